"""/admin/api/settings: the site settings as the original's string map, and all-or-nothing changes."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import admin_caller, json_body, services
from server.site_settings_rules import update_settings, wire_settings

routes = web.RouteTableDef()


@routes.get("/admin/api/settings")
async def get_settings(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response(wire_settings(await services(request).site_settings.all()))


@routes.patch("/admin/api/settings")
async def patch_settings(request: web.Request) -> web.Response:
    await admin_caller(request)
    await update_settings(services(request).site_settings, await json_body(request))
    return web.json_response({"message": "Settings updated"})
