"""Site admin sign-in (/admin/login, /admin/logout) and the dashboard's counters (/admin/api/stats).

Every /admin/api route starts with ``admin_caller``: 401 ``Admin login required`` unless the
session's user is, at this moment, an active admin.
"""
from __future__ import annotations

from aiohttp import web

from handlers.http.limits import limit
from handlers.http.request import (
    SESSION_COOKIE,
    admin_caller,
    login_fields,
    services,
    signed_in,
)
from server.admin import AdminService
from server.admin_login import admin_login
from server.meetings import MEETINGS
from server.sockets import SIO
from store.errors import InvalidInput
from store.rooms import MeetingStatus

routes = web.RouteTableDef()
ID_MAX = 10**15


def admin_service(request: web.Request) -> AdminService:
    return AdminService(services(request), request.app[SIO])


def int_id(request: web.Request, name: str, message: str) -> int:
    """A numeric path id; anything else is a 400 with the route's message."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > ID_MAX:
        raise InvalidInput(message, code="invalid_id")
    return int(raw)


@routes.post("/admin/login")
async def login(request: web.Request) -> web.Response:
    await limit(request, "auth")
    email, password = await login_fields(request)
    sid = await admin_login(services(request), email, password)
    return await signed_in(request, sid, {"message": "Logged in"})


@routes.post("/admin/logout")
async def logout(request: web.Request) -> web.Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await services(request).sessions.destroy(sid)
    response = web.Response(status=302, headers={"Location": "/admin"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/admin/api/stats")
async def stats(request: web.Request) -> web.Response:
    await admin_caller(request)
    live = sum(1 for m in request.app[MEETINGS].registry if m.status is MeetingStatus.ACTIVE)
    return web.json_response(await admin_service(request).stats(live))
