"""/api/billing/*: balance and history, Stripe checkout, and the Stripe webhook."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import json_body, query_int, services, session_caller
from server.stripe_payments import StripePayments
from store.mongo.database import iso
from store.rooms.billing import format_usd

routes = web.RouteTableDef()

HISTORY_DEFAULT, HISTORY_MAX = 50, 200


@routes.get("/api/billing/history")
async def history(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    limit = query_int(request, "limit", 1, HISTORY_MAX, f"limit must be an integer from 1 to {HISTORY_MAX}")
    before = query_int(request, "before", 1, 10**18, "before must be a transaction id")
    ledger = services(request).ledger
    balance = await ledger.balance(user_id=caller.user_id, company_id=caller.company_id)
    entries = await ledger.history(
        user_id=caller.user_id, company_id=caller.company_id, limit=limit or HISTORY_DEFAULT, before=before
    )
    return web.json_response({"balance": format_usd(balance), "transactions": [{
        "id": e["_id"], "amount_usd": format_usd(e["amount_micros"]), "type": e["type"],
        "description": e.get("description"), "reference_id": e.get("reference_id"), "created_at": iso(e["created_at"]),
    } for e in entries]})


@routes.post("/api/billing/stripe/checkout")
async def stripe_checkout(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    body = await json_body(request)
    url = await StripePayments(services(request)).checkout(
        user_id=caller.user_id, company_id=caller.company_id, amount_usd=body.get("amountUsd")
    )
    return web.json_response({"url": url})


@routes.post("/api/billing/stripe/webhook")
async def stripe_webhook(request: web.Request) -> web.Response:
    """Stripe signs the exact bytes it sent, so the body is read raw, never re-serialised."""
    await StripePayments(services(request)).handle_webhook(
        await request.read(), request.headers.get("Stripe-Signature")
    )
    return web.json_response({"received": True})
