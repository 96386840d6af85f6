"""Helpers for the site admin tests: a server with a seeded admin, logged in, and plain users beside it."""
from __future__ import annotations

import uuid
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.conftest import StartServer
from tests.meetings.support import PASSWORD

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "Admin-pass-123"


async def admin_server(start_server: StartServer, **overrides: Any) -> TestClient:
    """A server whose own client (cookie jar) is logged in as the seeded site admin."""
    api = await start_server(admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, **overrides)
    resp = await api.post("/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert resp.status == 200 and await resp.json() == {"message": "Logged in"}
    return api


async def user(api: TestClient, **fields: Any) -> dict[str, Any]:
    """A registered user in a browser of its own: the body plus ``email``, ``key`` headers, ``browser``, ``id``.

    Close ``browser`` at the end (``close_all``)."""
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    browser = aiohttp.ClientSession(base_url=str(api.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True))
    resp = await browser.post("/api/auth/register", json={"email": email, "password": PASSWORD, **fields})
    body = await resp.json()
    assert resp.status == 200, body
    me = await (await browser.get("/api/auth/me")).json()
    return {**body, "email": email, "key": {"x-api-key": body["apiKey"]}, "browser": browser, "id": me["id"]}


async def close_all(*users: dict[str, Any]) -> None:
    for u in users:
        await u["browser"].close()


def cookie_of(u: dict[str, Any]) -> str:
    """The user's ``connect.sid`` cookie value (to hand to a socket)."""
    for cookie in u["browser"].cookie_jar:
        if cookie.key == "connect.sid":
            return cookie.value
    raise AssertionError("no session cookie")


async def ok(resp: aiohttp.ClientResponse, status: int = 200) -> Any:
    body = await resp.json()
    assert resp.status == status, (resp.status, body)
    return body
