"""/api/company/*: join a workspace with its invite code, list members, remove one (session auth)."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import json_body, services, session_caller, text_field
from server.company import INVITE_CODE_MAX, CompanyService

routes = web.RouteTableDef()


@routes.post("/api/company/join")
async def join(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    code = text_field(await json_body(request), "inviteCode", max_len=INVITE_CODE_MAX) or ""
    company = await CompanyService(services(request)).join(caller.user_id, code)
    return web.json_response(
        {"message": f"Joined {company['name']}", "companyId": company["_id"], "companyName": company["name"]}
    )


@routes.get("/api/company/members")
async def members(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    found = await CompanyService(services(request)).members(caller.user_id, caller.company_id)
    return web.json_response({"members": found.members, "isOwner": found.is_owner})


@routes.delete("/api/company/members/{member_id}")
async def remove_member(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    await CompanyService(services(request)).remove(caller.user_id, caller.company_id, request.match_info["member_id"])
    return web.json_response({"message": "Member removed"})
