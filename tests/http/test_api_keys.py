"""/api/user/keys (contract §3.3) and x-api-key authentication (contract §2)."""
from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.conftest import eventually
from tests.http.http_support import ISO_MS, RAW_KEY, browser, database, error_of, register, unique_email

if TYPE_CHECKING:
    from tests.conftest import StartServer

MASKED = re.compile(r"^mk_[0-9a-f]{4}…[0-9a-f]{4}$")
KEY_ROUTE = "/api/meetings"  # GET: the caller's meetings, by x-api-key (or session)


def mask(raw: str) -> str:
    return f"{raw[:7]}…{raw[-4:]}"


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """A server without the seeded site admin: seeding hashes a password, which doubles start-up time."""
    return await start_server(admin_email=None)


async def key_status(api: TestClient, key: str | None) -> int:
    async with browser(api) as bare:  # no session cookie: the key alone must authenticate
        resp = await bare.get(KEY_ROUTE, headers={"x-api-key": key} if key is not None else {})
        if resp.status != 200:
            assert await error_of(resp) == (401, "Invalid or missing API key")
        return resp.status


async def list_keys(api: TestClient) -> list[dict[str, Any]]:
    resp = await api.get("/api/user/keys")
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"keys"}
    return body["keys"]


async def create_key(api: TestClient, **payload: Any) -> dict[str, Any]:
    resp = await api.post("/api/user/keys", json=payload)
    body = await resp.json()
    assert resp.status == 201, body
    return body


async def test_routes_require_a_session(api: TestClient) -> None:
    assert await error_of(await api.get("/api/user/keys")) == (401, "Login required")
    assert await error_of(await api.post("/api/user/keys", json={"label": "x"})) == (401, "Login required")
    assert await error_of(await api.delete("/api/user/keys/1")) == (401, "Login required")


async def test_create_returns_the_full_key_once(api: TestClient) -> None:
    await register(api)
    body = await create_key(api, label="Production")
    assert set(body) == {"id", "key", "label", "created_at"}
    assert isinstance(body["id"], int)
    assert RAW_KEY.match(body["key"])
    assert body["label"] == "Production"
    assert ISO_MS.match(body["created_at"])


async def test_create_label_default_and_cut(api: TestClient) -> None:
    await register(api)
    assert (await create_key(api))["label"] == "My API Key"
    assert (await create_key(api, label="   "))["label"] == "My API Key"
    assert (await create_key(api, label="  trimmed  "))["label"] == "trimmed"
    assert (await create_key(api, label="L" * 150))["label"] == "L" * 100


async def test_create_label_must_be_text(api: TestClient) -> None:
    await register(api)
    for label in (42, {"a": 1}, ["x"], True):
        resp = await api.post("/api/user/keys", json={"label": label})
        assert await error_of(resp) == (400, "label must be a string"), label
    assert len(await list_keys(api)) == 1


async def test_listing_is_masked_newest_first_with_revoked_ones(api: TestClient) -> None:
    registered = await register(api)
    created = await create_key(api, label="Second")
    resp = await api.delete(f"/api/user/keys/{created['id']}")
    assert resp.status == 200 and await resp.json() == {"message": "API key revoked"}
    keys = await list_keys(api)
    assert [k["label"] for k in keys] == ["Second", "Default Key"]
    for entry in keys:
        assert set(entry) == {"id", "key", "label", "is_active", "created_at", "last_used_at"}
        assert MASKED.match(entry["key"])
        assert ISO_MS.match(entry["created_at"])
        assert entry["last_used_at"] is None
    assert keys[0]["id"] == created["id"] and keys[0]["is_active"] is False
    assert keys[1]["is_active"] is True
    assert keys[0]["key"] == mask(created["key"])
    assert keys[1]["key"] == mask(registered["apiKey"])
    text = await (await api.get("/api/user/keys")).text()
    for raw in (registered["apiKey"], created["key"]):
        assert raw not in text and raw[3:] not in text


async def test_keys_are_stored_hashed(api: TestClient, settings: Settings) -> None:
    raws = [(await register(api))["apiKey"], (await create_key(api))["key"]]
    async with database(settings) as db:
        docs = [doc async for doc in db.api_keys.find({})]
        everything = str(docs) + str([doc async for doc in db.mail_outbox.find({})])
    assert len(docs) == 2
    for raw in raws:
        assert raw not in everything and raw[3:] not in everything
    hashes = {hashlib.sha256(raw.encode()).hexdigest() for raw in raws}
    assert {doc["key_hash"] for doc in docs} == hashes


async def test_at_most_five_active_keys(api: TestClient, settings: Settings) -> None:
    await register(api)  # the Default Key is the first
    made = [await create_key(api, label=f"k{i}") for i in range(4)]
    resp = await api.post("/api/user/keys", json={"label": "sixth"})
    assert await error_of(resp) == (400, "Maximum 5 active API keys per account")
    assert len(await list_keys(api)) == 5
    # Revoked keys do not count.
    assert (await api.delete(f"/api/user/keys/{made[0]['id']}")).status == 200
    await create_key(api, label="sixth")
    assert await error_of(await api.post("/api/user/keys", json={})) == (400, "Maximum 5 active API keys per account")
    keys = await list_keys(api)
    assert len(keys) == 6 and sum(k["is_active"] for k in keys) == 5


async def test_revoke_errors(api: TestClient) -> None:
    await register(api)
    own = (await list_keys(api))[0]
    async with browser(api) as other:
        await register(other)
        others_key = (await (await other.get("/api/user/keys")).json())["keys"][0]
        # Someone else's key, an unknown id, a non-numeric id: all "not found", none revoked.
        for key_id in (others_key["id"], 999999, "abc", "-1", "1.5", "9" * 40):
            resp = await api.delete(f"/api/user/keys/{key_id}")
            assert await error_of(resp) == (404, "Key not found"), key_id
        assert (await (await other.get("/api/user/keys")).json())["keys"][0]["is_active"] is True
    assert (await list_keys(api))[0]["is_active"] is True
    # Revoking twice is allowed and stays revoked.
    for _ in range(2):
        assert (await api.delete(f"/api/user/keys/{own['id']}")).status == 200
    assert (await list_keys(api))[0]["is_active"] is False


async def test_create_use_revoke(api: TestClient) -> None:
    await register(api)
    key = (await create_key(api, label="bot"))["key"]
    async with browser(api) as bare:  # the key alone, no session cookie
        resp = await bare.get(KEY_ROUTE, headers={"x-api-key": key})
        assert resp.status == 200 and await resp.json() == {"meetings": []}
    key_id = (await list_keys(api))[0]["id"]
    assert (await api.delete(f"/api/user/keys/{key_id}")).status == 200
    assert await key_status(api, key) == 401


async def test_key_acts_for_its_owner(api: TestClient) -> None:
    key = (await register(api))["apiKey"]
    resp = await api.post("/api/meetings", json={"title": "Mine"})
    assert resp.status == 201
    meeting_id = (await resp.json())["meetingId"]
    async with browser(api) as bare:
        listed = await (await bare.get(KEY_ROUTE, headers={"x-api-key": key})).json()
        assert [m["meetingId"] for m in listed["meetings"]] == [meeting_id]
        other_key = (await register(bare))["apiKey"]
        listed = await (await bare.get(KEY_ROUTE, headers={"x-api-key": other_key})).json()
        assert listed == {"meetings": []}


async def test_key_use_records_last_used_at(api: TestClient) -> None:
    key = (await register(api))["apiKey"]
    assert (await list_keys(api))[0]["last_used_at"] is None
    assert await key_status(api, key) == 200

    async def used() -> bool:  # written in the background, after the answer
        return (await list_keys(api))[0]["last_used_at"] is not None

    await eventually(used)
    assert ISO_MS.match((await list_keys(api))[0]["last_used_at"])


async def test_missing_or_bad_keys_are_401(api: TestClient) -> None:
    key = (await register(api))["apiKey"]
    for bad in (None, "", "mk_" + "0" * 24, key.upper(), key + "0", key[:-1], "x" * 101, key + "x" * 80):
        assert await key_status(api, bad) == 401, bad


async def test_key_of_a_disabled_user_is_401(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    key = (await register(api, email))["apiKey"]
    assert await key_status(api, key) == 200
    async with database(settings) as db:
        await db.users.update_one({"email": email}, {"$set": {"is_active": False}})
    assert await key_status(api, key) == 401
    async with database(settings) as db:
        await db.users.update_one({"email": email}, {"$set": {"is_active": True}})
    assert await key_status(api, key) == 200
