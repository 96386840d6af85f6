"""A fake of Stripe's HTTP API (Checkout sessions only) and signed webhook deliveries."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import StartServer

SECRET_KEY = "sk_test_x"
WEBHOOK_SECRET = "whsec_test"
WEBHOOK = "/api/billing/stripe/webhook"
CHECKOUT = "/api/billing/stripe/checkout"


@dataclass
class FakeStripe:
    """What the library sent (form fields, flattened as Stripe encodes them), and what to answer."""

    url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    fail: bool = False
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> web.Application:
        numbers = itertools.count(1)

        async def create_session(request: web.Request) -> web.Response:
            form = {key: str(value) for key, value in (await request.post()).items()}
            self.received.append(form)
            self.auth.append(request.headers.get("Authorization", ""))
            if self.fail:
                return web.json_response(
                    {"error": {"type": "invalid_request_error", "message": "No such thing"}}, status=400)
            session_id = f"cs_test_{next(numbers)}"
            session = {
                "id": session_id, "object": "checkout.session", "url": f"{self.url}/pay/{session_id}",
                "mode": form.get("mode"), "payment_status": "unpaid", "status": "open",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]), "currency": "usd",
                "metadata": {key[len("metadata["):-1]: value for key, value in form.items() if key.startswith("metadata[")},
            }
            self.sessions[session_id] = session
            return web.json_response(session)

        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", create_session)
        return app


@asynccontextmanager
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


async def stripe_server(start_server: StartServer, fake: FakeStripe, **overrides: Any) -> TestClient:
    return await start_server(stripe_secret_key=SECRET_KEY, stripe_webhook_secret=WEBHOOK_SECRET,
                              stripe_api_base=fake.url, **overrides)


def signed(payload: Any, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery, signed as Stripe signs (t=…,v1=HMAC-SHA256 of "t.body")."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, {"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}


def paid_event(session: dict[str, Any], *, kind: str = "checkout.session.completed",
               payment_status: str = "paid", **changes: Any) -> dict[str, Any]:
    obj = {**session, "payment_status": payment_status, "status": "complete", **changes}
    return {"id": f"evt_{session['id']}_{kind}", "object": "event", "type": kind, "api_version": "2024-06-20",
            "created": int(time.time()), "data": {"object": obj}}


async def checkout(api: Any, amount: Any = 20) -> Any:
    resp = await api.post(CHECKOUT, json={"amountUsd": amount})
    body = await resp.json()
    assert resp.status == 200, body
    return body
