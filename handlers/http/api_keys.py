"""/api/user/keys: list, create, revoke (session auth)."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import json_body, services, session_caller, text_field
from store.errors import NotFound
from store.mongo.api_keys import masked
from store.mongo.database import iso
from store.numbers import whole_number

routes = web.RouteTableDef()


@routes.get("/api/user/keys")
async def list_keys(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    docs = await services(request).api_keys.list_for(caller.user_id)
    return web.json_response({"keys": [
        # bool(): nx-27017 turns a boolean written by $set into 0/1.
        {"id": d["_id"], "key": masked(d), "label": d["label"], "is_active": bool(d["is_active"]),
         "created_at": iso(d["created_at"]), "last_used_at": iso(d.get("last_used_at"))}
        for d in docs
    ]})


@routes.post("/api/user/keys")
async def create_key(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    label = (text_field(await json_body(request), "label", max_len=1000) or "").strip()[:100] or "My API Key"
    doc, raw = await services(request).api_keys.create(caller.user_id, label)
    return web.json_response(
        {"id": doc["_id"], "key": raw, "label": doc["label"], "created_at": iso(doc["created_at"])}, status=201
    )


@routes.delete("/api/user/keys/{key_id}")
async def revoke_key(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    key_id = whole_number(request.match_info["key_id"])
    if key_id is None:
        raise NotFound("Key not found", code="key_not_found")
    await services(request).api_keys.revoke(caller.user_id, key_id)
    return web.json_response({"message": "API key revoked"})
