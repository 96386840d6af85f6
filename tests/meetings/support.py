"""Helpers for the meeting tests: a recording Socket.IO bot and REST shortcuts."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from aiohttp.test_utils import TestClient

from tests.conftest import eventually

PASSWORD = "secret123"


class Bot:
    """A python-socketio client that records every event it receives, in order."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []

        @self.sio.on("*")
        async def any_event(event: str, data: Any = None) -> None:
            self.events.append((event, data))

        @self.sio.event
        async def disconnect(*_: Any) -> None:
            self.events.append(("disconnect", None))

    async def connect(self, api: TestClient) -> Bot:
        await self.sio.connect(str(api.make_url("/")), transports=["websocket"])
        return self

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()

    def got(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    def names(self) -> list[str]:
        return [event for event, _ in self.events]

    async def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> Any:
        """The ``count``-th payload of event ``name`` (waiting for it)."""
        await eventually(lambda: len(self.got(name)) >= count, timeout=timeout)
        return self.got(name)[count - 1]

    async def join(self, meeting_id: str, name: str = "Guest", **extra: Any) -> dict[str, Any]:
        """Send join-meeting and wait for ``joined``; fails on an ``error`` instead."""
        before_joined, before_errors = len(self.got("joined")), len(self.got("error"))
        await self.sio.emit("join-meeting", {"meetingId": meeting_id, "name": name, **extra})
        await eventually(lambda: len(self.got("joined")) > before_joined or len(self.got("error")) > before_errors)
        assert len(self.got("joined")) > before_joined, self.got("error")[-1]
        return self.got("joined")[-1]

    async def refused(self, event: str, payload: Any) -> dict[str, Any]:
        """Emit ``event`` and return the ``error`` payload it brings."""
        before = len(self.got("error"))
        await self.sio.emit(event, payload)
        return await self.wait_for("error", before + 1)


@asynccontextmanager
async def bots(api: TestClient, count: int) -> AsyncIterator[list[Bot]]:
    """``count`` connected bots, disconnected at the end."""
    group = [Bot() for _ in range(count)]
    try:
        await asyncio.gather(*(bot.connect(api) for bot in group))
        yield group
    finally:
        await asyncio.gather(*(bot.close() for bot in group))


async def quiet(seconds: float = 0.2) -> None:
    """Give the server time to deliver anything it would (wrongly) deliver, before asserting absence."""
    await asyncio.sleep(seconds)


async def account(api: TestClient, **fields: Any) -> dict[str, Any]:
    """Register a fresh account; returns the body plus ``key`` (x-api-key headers)."""
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    resp = await api.post("/api/auth/register", json={"email": email, "password": PASSWORD, **fields})
    body = await resp.json()
    assert resp.status == 200, body
    return {**body, "email": email, "key": {"x-api-key": body["apiKey"]}}


async def create_meeting(api: TestClient, key: dict[str, str], **fields: Any) -> dict[str, Any]:
    """POST /api/meetings; returns the body plus ``admin`` (x-api-key and x-admin-token headers)."""
    resp = await api.post("/api/meetings", json=fields, headers=key)
    body = await resp.json()
    assert resp.status in (200, 201), body
    return {**body, "admin": {**key, "x-admin-token": body["adminToken"]}}
