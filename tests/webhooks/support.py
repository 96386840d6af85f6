"""A webhook receiver on 127.0.0.1 that records every request, and signature checks written with
plain ``hmac``, as a receiver would write them (docs/PROTOCOL.md "Webhooks")."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from store.mongo.embedded import free_port
from tests.conftest import StartServer, eventually

FAST = {"webhook_allow_private": True, "webhook_retry_scale": 0.01, "webhook_poll_interval_seconds": 0.05,
        "webhook_timeout_seconds": 0.5}
"""Server overrides: loopback receivers allowed, the 24 h schedule shrunk to seconds."""
HANG_S = 2.0
ALL_EVENTS = ["meeting.started", "meeting.ended", "participant.joined", "participant.left"]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)

    @property
    def event(self) -> str:
        return self.body["event"]


class Receiver:
    """``plan`` lists the answers to give, in order (a status, or "hang" to outlast the timeout); then 200."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.requests: list[Received] = []
        self.plan: list[int | str] = []
        self.retry_after: str | None = None
        """Sent as ``Retry-After`` with every 429."""
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port or free_port())
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        action = self.plan.pop(0) if self.plan else 200
        if action == "hang":
            await asyncio.sleep(HANG_S)
            action = 200
        assert isinstance(action, int)
        headers = {"Retry-After": self.retry_after} if action == 429 and self.retry_after is not None else None
        return web.Response(status=action, text="ok", headers=headers)

    def of(self, event: str) -> list[Received]:
        return [r for r in self.requests if r.event == event]

    async def wait_for(self, event: str, count: int = 1, timeout: float = 5.0) -> list[Received]:
        await eventually(lambda: len(self.of(event)) >= count, timeout=timeout)
        return self.of(event)


@asynccontextmanager
async def receiver(port: int = 0) -> AsyncIterator[Receiver]:
    one = await Receiver(port).start()
    try:
        yield one
    finally:
        await one.stop()


async def fast_server(start_server: StartServer, **overrides: Any) -> TestClient:
    return await start_server(**{**FAST, **overrides})


async def add_hook(client: Any, url: str, events: list[str] | None = None) -> dict[str, Any]:
    """POST /api/webhooks with the client's session; returns the 201 body (with the secret)."""
    resp = await client.post("/api/webhooks", json={"url": url, "events": events or ALL_EVENTS})
    body = await resp.json()
    assert resp.status == 201, body
    return body


async def deliveries(client: Any, hook_id: int) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/webhooks/{hook_id}/deliveries")
    assert resp.status == 200, await resp.text()
    return (await resp.json())["deliveries"]


def legacy_signature_ok(secret: str, got: Received) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), got.raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, got.headers["x-signature"])


def standard_signature_ok(secret: str, got: Received) -> bool:
    """Standard Webhooks: HMAC over ``id.timestamp.body``; the header may list several ``v1,`` values."""
    signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode() + got.raw
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[1] for part in got.headers["webhook-signature"].split(" ") if part.startswith("v1,")]
    return any(hmac.compare_digest(expected, one) for one in offered)
