"""/api/webhooks: endpoints (list, create, delete) and their deliveries (list, retry); session auth."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handlers.http.request import Caller, json_body, query_int, session_caller, text_field
from server.webhooks import WEBHOOKS, WebhookService
from store.errors import NotFound
from store.mongo.database import iso
from store.mongo.webhooks import Delivery, Hook
from store.numbers import whole_number

routes = web.RouteTableDef()

DELIVERIES_DEFAULT = 50
DELIVERIES_MAX = 100
DELIVERY_ID_MAX = 64


@routes.get("/api/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    caller = await _caller(request)
    hooks = await _service(request).visible(caller.user_id, caller.company_id)
    return web.json_response({"webhooks": [_hook(h) for h in hooks]})


@routes.post("/api/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    caller = await _caller(request)
    body = await json_body(request)
    url = text_field(body, "url")
    doc, secret = await _service(request).create(caller.user_id, caller.company_id, url, body.get("events"))
    return web.json_response({**_hook(doc), "secret": secret}, status=201)


@routes.delete("/api/webhooks/{webhookId}")
async def delete_webhook(request: web.Request) -> web.Response:
    caller = await _caller(request)
    await _service(request).delete(caller.user_id, caller.company_id, _hook_id(request))
    return web.json_response({"message": "Webhook deleted"})


@routes.get("/api/webhooks/{webhookId}/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    caller = await _caller(request)
    limit = query_int(request, "limit", 1, DELIVERIES_MAX,
                      f"limit must be an integer from 1 to {DELIVERIES_MAX}") or DELIVERIES_DEFAULT
    docs = await _service(request).deliveries(caller.user_id, caller.company_id, _hook_id(request), limit)
    return web.json_response({"deliveries": [_delivery(d) for d in docs]})


@routes.post("/api/webhooks/{webhookId}/deliveries/{deliveryId}/retry")
async def retry_delivery(request: web.Request) -> web.Response:
    caller = await _caller(request)
    delivery_id = request.match_info["deliveryId"]
    if len(delivery_id) > DELIVERY_ID_MAX:
        raise NotFound("Delivery not found", code="delivery_not_found")
    doc = await _service(request).retry(caller.user_id, caller.company_id, _hook_id(request), delivery_id)
    return web.json_response({"id": doc["_id"], "status": doc["status"]}, status=202)


async def _caller(request: web.Request) -> Caller:
    caller = await session_caller(request)
    assert caller is not None
    return caller


def _service(request: web.Request) -> WebhookService:
    return request.app[WEBHOOKS]


def _hook_id(request: web.Request) -> int:
    hook_id = whole_number(request.match_info["webhookId"])
    if hook_id is None:
        raise NotFound("Webhook not found", code="webhook_not_found")
    return hook_id


def _hook(doc: Hook) -> dict[str, Any]:
    # bool(): nx-27017 turns a boolean written by $set into 0/1.
    return {"id": doc["_id"], "url": doc["url"], "events": list(doc["events"]), "is_active": bool(doc["is_active"]),
            "created_at": iso(doc["created_at"])}


def _delivery(doc: Delivery) -> dict[str, Any]:
    pending = doc["status"] == "pending"
    return {
        "id": doc["_id"], "event": doc["event"], "meetingId": doc["meeting_id"], "status": doc["status"],
        "attempts": doc.get("attempts", 0), "createdAt": _iso_ms(doc["created_at_ms"]),
        "deliveredAt": _iso_ms(doc.get("delivered_at_ms")),
        "nextAttemptAt": _iso_ms(doc.get("next_attempt_ms")) if pending else None,
        "lastStatusCode": doc.get("last_status_code"),
        "attemptLog": [
            {"at": _iso_ms(a["at_ms"]), "statusCode": a["status_code"], "durationMs": a["duration_ms"],
             "error": a["error"]}
            for a in doc.get("attempt_log", [])
        ],
    }


def _iso_ms(ms: int | None) -> str | None:
    return iso(datetime.fromtimestamp(ms / 1000, UTC)) if ms is not None else None
