"""/admin/api/users and /admin/api/keys: list, disable or promote, delete; issue and revoke keys."""
from __future__ import annotations

from aiohttp import web

from handlers.http.admin import admin_service, int_id
from handlers.http.request import admin_caller, json_body, text_field
from store.errors import InvalidInput

routes = web.RouteTableDef()
DEFAULT_LABEL = "Admin-created Key"


@routes.get("/admin/api/users")
async def list_users(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"users": await admin_service(request).users()})


@routes.patch("/admin/api/users/{id}")
async def update_user(request: web.Request) -> web.Response:
    admin = await admin_caller(request)
    user_id = int_id(request, "id", "Invalid user id")
    await admin_service(request).update_user(admin.user_id, user_id, await json_body(request))
    return web.json_response({"message": "User updated"})


@routes.delete("/admin/api/users/{id}")
async def delete_user(request: web.Request) -> web.Response:
    admin = await admin_caller(request)
    user_id = int_id(request, "id", "Invalid user id")
    await admin_service(request).delete_user(admin.user_id, user_id)
    return web.json_response({"message": "User deleted"})


@routes.get("/admin/api/keys")
async def list_keys(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"keys": await admin_service(request).keys()})


@routes.post("/admin/api/keys")
async def create_key(request: web.Request) -> web.Response:
    await admin_caller(request)
    body = await json_body(request)
    user_id = body.get("userId")
    if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit() and len(user_id) <= 15:
        user_id = int(user_id)
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise InvalidInput("userId required", code="missing_fields")
    label = (text_field(body, "label", max_len=100) or "").strip() or DEFAULT_LABEL
    return web.json_response(await admin_service(request).create_key(user_id, label), status=201)


@routes.delete("/admin/api/keys/{id}")
async def revoke_key(request: web.Request) -> web.Response:
    await admin_caller(request)
    await admin_service(request).revoke_key(int_id(request, "id", "Invalid key id"))
    return web.json_response({"message": "API key revoked"})
