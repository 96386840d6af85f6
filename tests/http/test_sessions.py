"""The session cookie: its attributes, its lifetime, and what ends it."""
from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.http.http_support import (
    browser,
    database,
    error_of,
    login,
    register,
    reset_token,
    session_cookie,
    unique_email,
)

if TYPE_CHECKING:
    from tests.conftest import StartServer


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """A server without the seeded site admin: seeding hashes a password, which doubles start-up time."""
    return await start_server(admin_email=None)


def set_cookie_attributes(header: str) -> dict[str, str | bool]:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(header)
    morsel = cookie["connect.sid"]
    return {key: morsel[key] for key in ("httponly", "samesite", "secure", "path", "max-age")}


async def me_with(api: TestClient, sid: str) -> int:
    """Status of /api/auth/me for an explicit cookie value (no cookie jar involved)."""
    async with browser(api) as bare:
        resp = await bare.get("/api/auth/me", headers={"Cookie": f"connect.sid={sid}"})
        return resp.status


async def test_login_me_logout_me(api: TestClient) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/logout")
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")
    resp = await login(api, email)
    sid = session_cookie(resp)
    assert (await api.get("/api/auth/me")).status == 200
    assert (await api.post("/api/auth/logout")).status == 200
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")
    # The session is gone on the server, not only from the browser's jar.
    assert await me_with(api, sid) == 401


async def test_cookie_attributes_in_development(api: TestClient) -> None:
    email = unique_email()
    resp = await api.post("/api/auth/register", json={"email": email, "password": "secret123"})
    attrs = set_cookie_attributes(resp.headers["Set-Cookie"])
    assert attrs["httponly"] is True
    assert str(attrs["samesite"]).lower() == "lax"
    assert attrs["path"] == "/"
    assert not attrs["secure"]
    assert attrs["max-age"] == str(7 * 24 * 3600)
    resp = await login(api, email)
    attrs = set_cookie_attributes(resp.headers["Set-Cookie"])
    assert attrs["httponly"] is True and str(attrs["samesite"]).lower() == "lax"


async def test_cookie_is_secure_in_production(start_server: StartServer) -> None:
    api = await start_server(production=True, admin_email=None)
    resp = await api.post("/api/auth/register", json={"email": unique_email(), "password": "secret123"})
    assert resp.status == 200
    attrs = set_cookie_attributes(resp.headers["Set-Cookie"])
    assert attrs["secure"] is True and attrs["httponly"] is True
    assert str(attrs["samesite"]).lower() == "lax"


async def test_new_session_id_at_every_login(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    registered = session_cookie(await api.post("/api/auth/register", json={"email": email, "password": "secret123"}))
    first = session_cookie(await login(api, email))
    second = session_cookie(await login(api, email))
    assert len({registered, first, second}) == 3
    # Logging in again replaces the session this browser presented ...
    assert await me_with(api, registered) == 401
    assert await me_with(api, first) == 401
    assert await me_with(api, second) == 200
    # ... and the database holds only a hash of the id.
    async with database(settings) as db:
        stored = str([doc async for doc in db.sessions.find({})])
    assert second not in stored


async def test_sessions_of_other_browsers_stay(api: TestClient) -> None:
    email = unique_email()
    await register(api, email)
    async with browser(api) as other:
        assert (await login(other, email)).status == 200
        assert (await api.get("/api/auth/me")).status == 200
        assert (await other.get("/api/auth/me")).status == 200
        await other.post("/api/auth/logout")
        assert (await api.get("/api/auth/me")).status == 200


async def test_cookie_from_before_a_password_reset_no_longer_works(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    old_sid = session_cookie(await login(api, email))
    async with browser(api) as other:
        await other.post("/api/auth/forgot-password", json={"email": email})
        async with database(settings) as db:
            token = await reset_token(db, email)
        resp = await other.post("/api/auth/reset-password", json={"token": token, "newPassword": "after-reset-1"})
        assert resp.status == 200
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")
    assert await me_with(api, old_sid) == 401
    assert (await login(api, email, "after-reset-1")).status == 200
    assert (await api.get("/api/auth/me")).status == 200


async def test_session_of_a_disabled_user_ends(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    assert (await api.get("/api/user/keys")).status == 200
    async with database(settings) as db:
        await db.users.update_one({"email": email}, {"$set": {"is_active": False}})
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")
    assert await error_of(await api.get("/api/user/keys")) == (401, "Login required")
