"""GET /api/openapi.json (DESIGN.md "Style": the REST API in an OpenAPI document; tests cite it).

Three promises, each against a real server: the document is valid OpenAPI 3.1; it documents exactly
the routes the app registers; and real answers (body and headers) match what it documents for
their status. A route added without its description, or a field or error code the document does
not list, fails here.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from handlers.http.openapi import areas
from server.settings import RateLimits, Settings
from tests.http.http_support import browser, database, reset_token, unique_email
from tests.http.openapi_support import DOC_PATH, Contract, contract_of, normalised, successes
from tests.meetings.support import PASSWORD, account, bots, create_meeting

if TYPE_CHECKING:
    from tests.conftest import StartServer

TESTS = Path(__file__).resolve().parents[1]
LATER = "2099-04-01T14:00:00Z"


# -- the document itself ------------------------------------------------------------------------


async def test_document_is_valid_openapi_3_1(api: TestClient) -> None:
    async with browser(api) as anonymous:  # no cookie, no key
        resp = await anonymous.get(DOC_PATH)
        assert resp.status == 200 and resp.content_type == "application/json"
        doc = await resp.json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema, dangling $ref or undeclared path parameter
    assert set(doc["components"]["securitySchemes"]) == {"apiKey", "adminToken", "sessionCookie"}
    cookie = doc["components"]["securitySchemes"]["sessionCookie"]
    assert (cookie["type"], cookie["in"], cookie["name"]) == ("apiKey", "cookie", "connect.sid")


async def test_document_is_public_cacheable_and_not_rate_limited(start_server: StartServer) -> None:
    api = await start_server(rate_limits=RateLimits(api="1/minute"))
    first = await api.get(DOC_PATH)
    assert first.status == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert "RateLimit-Limit" not in first.headers
    contract = Contract(await first.json())
    for _ in range(3):  # over the api limit of 1, still answered
        again = await api.get(DOC_PATH, headers={"If-None-Match": etag})
        assert again.status == 304 and again.headers["ETag"] == etag
        await contract.check(again)
    other = await api.get(DOC_PATH, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status == 200 and await other.json() == contract.doc
    assert (await api.head(DOC_PATH)).status == 200
    # The limit is real for the rest of /api/ (so the exemption above means something).
    assert (await api.get("/api/meetings")).status == 401
    assert (await api.get("/api/meetings")).status == 429


async def test_documented_routes_are_exactly_the_registered_ones(api: TestClient, contract: Contract) -> None:
    registered = set()
    for route in api.server.app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or route.resource is None:
            continue  # aiohttp adds HEAD to every GET; aiohttp-cors answers OPTIONS
        path = route.resource.canonical
        if path.startswith("/api/") or path == "/health" or path.startswith("/health/"):
            registered.add((route.method, normalised(path)))
    documented = {(method.upper(), normalised(path)) for method, path, _ in contract.operations()}
    assert registered - documented == set(), "registered but not documented"
    assert documented - registered == set(), "documented but not registered"
    assert ("GET", "/api/meetings/{}") in registered and ("GET", DOC_PATH) in registered


async def test_every_operation_states_auth_errors_and_limits(contract: Contract) -> None:
    for method, path, op in contract.operations():
        name = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), name
        assert "security" in op, f"{name}: no security requirement (use [] for public)"
        for requirement in op["security"]:
            assert set(requirement) <= set(contract.doc["components"]["securitySchemes"]), name
        responses = op["responses"]
        assert "500" in responses and any(status.startswith("2") for status in responses), name
        if "requestBody" in op:
            assert "413" in responses, name
        if "x-rate-limit-bucket" in op:
            assert "429" in responses and "Rate limit" in op["description"], name
        for status, response in responses.items():
            documented, _ = contract.resolve(response)
            if status.startswith(("4", "5")) and not path.startswith("/health"):
                schema = documented["content"]["application/json"]["schema"]
                assert "Error" in str(schema), f"{name} {status}: not the shared Error shape"


# -- real answers -------------------------------------------------------------------------------


async def test_every_documented_success_matches_a_real_answer(
    api: TestClient, settings: Settings, contract: Contract
) -> None:
    """One real call per documented 2xx/3xx answer; the end of the test checks none was left out."""
    check = contract.check
    for path in ("/health", "/health/liveness", "/health/readiness", "/api/config", "/api/config/ice-servers"):
        await check(await api.get(path))
    doc_answer = await api.get(DOC_PATH)
    await check(doc_answer)
    await check(await api.get(DOC_PATH, headers={"If-None-Match": doc_answer.headers["ETag"]}))

    # Accounts and keys, through the session cookie the register call sets.
    email = unique_email()
    registered = await check(await api.post("/api/auth/register", json={"email": email, "password": PASSWORD}))
    company = await check(await api.post("/api/auth/register", json={
        "email": unique_email(), "password": PASSWORD, "accountType": "company", "companyName": "Acme"}))
    assert company["inviteCode"] and registered["inviteCode"] is None
    await check(await api.post("/api/auth/logout"))
    logged_in = await check(await api.post("/api/auth/login", json={"email": email, "password": PASSWORD}))
    assert logged_in["isAdmin"] is False
    assert (await check(await api.get("/api/auth/me")))["email"] == email
    created = await check(await api.post("/api/user/keys", json={"label": "Production"}))
    keys = (await check(await api.get("/api/user/keys")))["keys"]
    assert [k["label"] for k in keys] == ["Production", "Default Key"]
    await check(await api.delete(f"/api/user/keys/{created['id']}"))
    await check(await api.post("/api/auth/forgot-password", json={"email": email}))
    await check(await api.post("/api/auth/change-password", json={"currentPassword": PASSWORD,
                                                                  "newPassword": "another-secret"}))
    await check(await api.post("/api/auth/change-password", json={"currentPassword": "another-secret",
                                                                  "newPassword": PASSWORD}))
    async with database(settings) as db:
        token = await reset_token(db, email)
    assert (await check(await api.get("/api/auth/reset-password", params={"token": token})))["valid"] is True
    await check(await api.post("/api/auth/reset-password", json={"token": token, "password": "third-secret"}))

    # Meetings, through the API key alone.
    api.session.cookie_jar.clear()
    key = {"x-api-key": registered["apiKey"]}
    await check(await api.post("/api/meetings/guest", json={"title": "Quick Sync"}))
    resp = await api.post("/api/meetings", json={"title": "Team Standup", "waitingRoom": False}, headers=key)
    meeting = await check(resp)
    admin = {**key, "x-admin-token": meeting["adminToken"]}
    base = f"/api/meetings/{meeting['meetingId']}"
    scheduled = await check(await api.post("/api/meetings", json={"title": "Later", "scheduledAt": LATER}, headers=key))
    assert scheduled["status"] == "scheduled" and "scheduledAt" in scheduled
    listed = (await check(await api.get("/api/meetings", headers=key)))["meetings"]
    assert [m["status"] for m in listed] == ["active", "scheduled"]
    assert len((await check(await api.get("/api/meetings/scheduled/list", headers=key)))["meetings"]) == 1
    later = await check(await api.get(f"/api/meetings/{scheduled['meetingId']}", headers=key))
    assert later["status"] == "scheduled" and "participants" not in later
    async with bots(api, 1) as (alice,):
        alice_id = (await alice.join(meeting["meetingId"], "Alice"))["participantId"]
        detail = await check(await api.get(base, headers=key))
        assert [p["participantId"] for p in detail["participants"]] == [alice_id]
        patched = await check(await api.patch(f"{base}/settings", json={"title": "Renamed", "maxParticipants": 10},
                                              headers=admin))
        assert patched["title"] == "Renamed" and patched["settings"]["maxParticipants"] == 10
        assert (await check(await api.post(f"{base}/lock", headers=admin))) == {"locked": True}
        assert (await check(await api.post(f"{base}/unlock", headers=admin))) == {"locked": False}
        await check(await api.post(f"{base}/invite", json={"name": "Bob"}, headers=admin))
        await check(await api.post(f"{base}/mute-all", headers=admin))
        await check(await api.post(f"{base}/participants/{alice_id}/unmute", headers=admin))
        await check(await api.post(f"{base}/participants/{alice_id}/mute", headers=admin))
        await check(await api.post(f"{base}/participants/{alice_id}/kick", json={"reason": "bye"}, headers=admin))
    # Polls, questions, notes, attendance (contract §3.7).
    poll = await check(await api.post(f"{base}/polls", json={"question": "Lunch?", "options": ["Pizza", "Sushi"]},
                                      headers=admin))
    await check(await api.post(f"{base}/polls/{poll['pollId']}/vote", json={"optionId": "opt_0"}, headers=key))
    assert (await check(await api.get(f"{base}/polls", headers=key)))["polls"][0]["totalVotes"] == 1
    assert (await check(await api.post(f"{base}/polls/{poll['pollId']}/end", headers=admin)))["totalVotes"] == 1
    asked = await check(await api.post(f"{base}/questions", json={"text": "Why?"}, headers=key))
    question = f"{base}/questions/{asked['questionId']}"
    assert await check(await api.post(f"{question}/upvote", headers=key)) == {"upvoteCount": 1}
    await check(await api.post(f"{question}/answer", json={"answer": "Because"}, headers=admin))
    assert (await check(await api.get(f"{base}/questions", headers=key)))["questions"][0]["answer"] == "Because"
    await check(await api.post(f"{question}/dismiss", headers=admin))
    await check(await api.put(f"{base}/notes", json={"content": "Agenda"}, headers=admin))
    assert (await check(await api.get(f"{base}/notes", headers=key)))["lastUpdatedBy"] == "Host"
    attendance = await check(await api.get(f"{base}/attendance", headers=admin))
    assert [row["participantId"] for row in attendance["attendance"]] == [alice_id]
    csv = await check(await api.get(f"{base}/attendance/download", headers=admin))
    assert csv.startswith("Name,Joined,Left,Duration (seconds)\n\"Alice\",")
    running = (await check(await api.get("/api/meetings/history", headers=key)))["meetings"]
    assert [row["ended_at"] for row in running] == [None]
    await check(await api.delete(base, headers=admin))
    await check(await api.delete(f"/api/meetings/{scheduled['meetingId']}",
                                 headers={"x-admin-token": scheduled["adminToken"]}))
    [ended] = (await check(await api.get("/api/meetings/history", headers=key)))["meetings"]
    assert ended["ended_at"] is not None and ended["duration_minutes"] is not None

    documented = successes(contract, exclude=AREA_TAGS)
    assert documented - contract.checked == set(), "documented success answers this test does not exercise"


AREA_TAGS = {area.TAG["name"] for area in areas()}


def test_every_area_has_a_test_exercising_its_successes() -> None:
    """Areas described outside the core (webhooks, billing, ...) are exercised by their own modules."""
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    for tag in AREA_TAGS:
        assert f'assert_every_success_checked(contract, "{tag}")' in sources, f"no test exercises the {tag} routes"


async def test_error_answers_match_the_document(api: TestClient, settings: Settings, contract: Contract) -> None:
    check = contract.check

    async def code(resp: ClientResponse) -> str:
        return str((await check(resp))["code"])

    # 401 on each kind of auth.
    assert await code(await api.get("/api/auth/me")) == "login_required"
    assert await code(await api.get("/api/user/keys")) == "login_required"
    assert await code(await api.get("/api/meetings")) == "invalid_api_key"
    assert await code(await api.get("/api/meetings/history", headers={"x-api-key": "mk_nope"})) == "invalid_api_key"
    assert await code(await api.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})) == (
        "invalid_credentials")
    # 400s: missing fields, wrong types, bad JSON, bad dates, bad settings.
    assert await code(await api.post("/api/auth/register", json={})) == "missing_fields"
    assert await code(await api.post("/api/auth/register", json={"email": 1, "password": PASSWORD})) == "invalid_type"
    assert await code(await api.post("/api/auth/register", json={"email": "x", "password": PASSWORD})) == (
        "invalid_email")
    assert await code(await api.post("/api/auth/register", data=b"{nope",
                                     headers={"Content-Type": "application/json"})) == "invalid_json"
    assert await code(await api.get("/api/auth/reset-password", params={"token": "0" * 64})) == "reset_invalid"
    owner = await account(api)
    assert await code(await api.post("/api/auth/register", json={"email": owner["email"], "password": PASSWORD})) == (
        "email_taken")
    assert await code(await api.post("/api/user/keys", json={"label": ["x"]})) == "invalid_type"
    assert await code(await api.post("/api/auth/change-password", json={"currentPassword": "wrong-one",
                                                                        "newPassword": "long-enough"})) == (
        "wrong_password")
    assert await code(await api.delete("/api/user/keys/999999")) == "key_not_found"
    api.session.cookie_jar.clear()
    key = owner["key"]
    assert await code(await api.post("/api/meetings", json={"scheduledAt": "soon"}, headers=key)) == "invalid_date"
    assert await code(await api.post("/api/meetings", json={"scheduledAt": "2000-01-01T00:00:00Z"}, headers=key)) == (
        "validation_error")
    assert await code(await api.post("/api/meetings", json={"muteOnJoin": "yes"}, headers=key)) == "validation_error"
    meeting = await create_meeting(api, key, title="Errors")
    base = f"/api/meetings/{meeting['meetingId']}"
    assert await code(await api.patch(f"{base}/settings", json={"locked": "yes"}, headers=meeting["admin"])) == (
        "validation_error")
    # 403, 404 on host routes and reads.
    assert await code(await api.post(f"{base}/lock", headers={"x-admin-token": "guess"})) == "admin_token_invalid"
    assert await code(await api.post(f"{base}/lock", headers={"x-api-key": "mk_bad",
                                                             "x-admin-token": meeting["adminToken"]})) == (
        "invalid_api_key")
    assert await code(await api.get("/api/meetings/000-0000-000", headers=key)) == "meeting_not_found"
    assert await code(await api.delete("/api/meetings/000-0000-000", headers=meeting["admin"])) == "meeting_not_found"
    assert await code(await api.post(f"{base}/participants/ghost/kick", headers=meeting["admin"])) == (
        "participant_not_found")
    stranger = await account(api)
    api.session.cookie_jar.clear()
    assert await code(await api.get(base, headers=stranger["key"])) == "meeting_not_found"
    # Polls and questions.
    assert await code(await api.get(f"{base}/polls", headers=stranger["key"])) == "meeting_not_found"
    assert await code(await api.get(f"{base}/notes")) == "invalid_api_key"
    assert await code(await api.post(f"{base}/polls", json={"question": "Q"}, headers=meeting["admin"])) == (
        "validation_error")
    assert await code(await api.post(f"{base}/polls/nope/vote", json={"optionId": "opt_0"}, headers=key)) == (
        "poll_not_found")
    assert await code(await api.post(f"{base}/questions/nope/answer", headers=meeting["admin"])) == (
        "question_not_found")
    assert await code(await api.put(f"{base}/notes", json={"content": "x"}, headers=key)) == "admin_token_invalid"
    # 402 with no credit left, 413 for an oversized body.
    async with database(settings) as db:
        await db.users.update_one({"email": stranger["email"]}, {"$set": {"credits_micros": 0}})
    assert await code(await api.post("/api/meetings", json={}, headers=stranger["key"])) == "insufficient_credits"
    big = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    assert await code(await api.post("/api/meetings/guest", data=big,
                                     headers={"Content-Type": "application/json"})) == "request_entity_too_large"


async def test_rate_limited_answers_match_the_document(start_server: StartServer) -> None:
    api = await start_server(rate_limits=RateLimits(api="3/minute", guest="1/minute", auth="1/minute"))
    contract = await contract_of(api)
    owner = await account(api)
    api.session.cookie_jar.clear()
    # A guest meeting counts in both the guest and the api bucket; its headers are the guest bucket's.
    guest = await api.post("/api/meetings/guest", json={})
    await contract.check(guest)  # RateLimit-* are required on a limited route's success
    assert guest.headers["RateLimit-Limit"] == "1" and guest.headers["RateLimit-Remaining"] == "0"
    assert (await contract.check(await api.post("/api/meetings/guest", json={})))["code"] == "rate_limited"
    await contract.check(await api.get("/api/meetings", headers=owner["key"]))
    limited = await api.get("/api/meetings", headers=owner["key"])
    assert (await contract.check(limited))["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    resp = await api.post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert (await contract.check(resp))["code"] == "rate_limited"  # register used the one auth attempt
