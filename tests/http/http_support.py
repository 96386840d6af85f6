"""Helpers for the REST tests: direct database access for set-up and checks, account shortcuts."""
from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from server.settings import Settings

PASSWORD = "secret123"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RAW_KEY = re.compile(r"^mk_[0-9a-f]{24}$")
RESET_LINK = re.compile(r"/reset\?token=([0-9a-f]{64})\b")

Client = TestClient | aiohttp.ClientSession


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncDatabase]:
    """The server's own database, for test set-up (disable a user, expire a token) and for checks."""
    assert settings.mongodb_url is not None
    client: AsyncMongoClient = AsyncMongoClient(settings.mongodb_url, tz_aware=True)
    try:
        yield client[settings.mongodb_db]
    finally:
        await client.close()


@asynccontextmanager
async def browser(server: TestClient) -> AsyncIterator[aiohttp.ClientSession]:
    """Another browser: a client with its own cookie jar against the same server."""
    async with aiohttp.ClientSession(
        base_url=str(server.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as session:
        yield session


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def register(client: Client, email: str | None = None, password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
    """Register through the API (the client keeps the session cookie); returns the response body."""
    payload = {"email": email or unique_email(), "password": password, **fields}
    resp = await client.post("/api/auth/register", json=payload)
    body = await resp.json()
    assert resp.status == 200, body
    return body


async def login(client: Client, email: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


def session_cookie(resp: aiohttp.ClientResponse) -> str:
    """The value of the ``connect.sid`` cookie a response sets."""
    morsel = resp.cookies.get("connect.sid")
    assert morsel is not None and morsel.value, resp.headers.getall("Set-Cookie", [])
    return morsel.value


async def mails_to(db: AsyncDatabase, email: str) -> list[dict[str, Any]]:
    """Mail recorded in ``mail_outbox`` for one address, oldest first."""
    return [doc async for doc in db.mail_outbox.find({"to": email}).sort("created_at", 1)]


async def reset_token(db: AsyncDatabase, email: str) -> str:
    """The token from the newest reset link mailed to ``email``."""
    links = [m for m in await mails_to(db, email) if RESET_LINK.search(m["text"])]
    assert links, f"no reset mail for {email}"
    match = RESET_LINK.search(links[-1]["text"])
    assert match is not None
    return match.group(1)


async def error_of(resp: aiohttp.ClientResponse) -> tuple[int, str]:
    """Status and ``error`` message of a JSON error response (fails on any other kind of body)."""
    assert resp.content_type == "application/json", (resp.status, await resp.text())
    body = await resp.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    return resp.status, body["error"]
