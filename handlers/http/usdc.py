"""GET /api/billing/usdc/address: the caller's USDC deposit address (session auth)."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import session_caller
from server.usdc import USDC

routes = web.RouteTableDef()


@routes.get("/api/billing/usdc/address")
async def deposit_address(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    address = await request.app[USDC].addresses.for_account(user_id=caller.user_id, company_id=caller.company_id)
    return web.json_response({"address": address})
