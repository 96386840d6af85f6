"""/admin/api/billing/* and /admin/api/companies: the ledger, Stripe top-ups, grants, company plans."""
from __future__ import annotations

from aiohttp import web

from handlers.http.admin import admin_service, int_id
from handlers.http.request import admin_caller, json_body, text_field
from server.admin import NOTE_MAX
from store.errors import InvalidInput

routes = web.RouteTableDef()


@routes.get("/admin/api/billing/transactions")
async def transactions(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"transactions": await admin_service(request).transactions()})


@routes.get("/admin/api/billing/stripe")
async def stripe_topups(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"topups": await admin_service(request).topups()})


@routes.post("/admin/api/billing/credit")
async def grant_credit(request: web.Request) -> web.Response:
    await admin_caller(request)
    body = await json_body(request)
    email = text_field(body, "email", max_len=1024)
    amount = body.get("amountUsd")
    if not email or amount is None or amount == "":
        raise InvalidInput("email and amountUsd required", code="missing_fields")
    note = (text_field(body, "note", max_len=NOTE_MAX) or "").strip() or None
    key = text_field(body, "idempotencyKey", max_len=100)
    message = await admin_service(request).grant(email, amount, note, key)
    return web.json_response({"message": message})


@routes.get("/admin/api/companies")
async def companies(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"companies": await admin_service(request).companies()})


@routes.patch("/admin/api/companies/{id}")
async def set_plan(request: web.Request) -> web.Response:
    await admin_caller(request)
    company_id = int_id(request, "id", "Invalid company id")
    await admin_service(request).set_plan(company_id, (await json_body(request)).get("plan"))
    return web.json_response({"message": "Company plan updated"})


@routes.delete("/admin/api/companies/{id}")
async def dissolve(request: web.Request) -> web.Response:
    await admin_caller(request)
    await admin_service(request).dissolve(int_id(request, "id", "Invalid company id"))
    return web.json_response({"message": "Company dissolved"})
