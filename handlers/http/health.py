"""Health probes (no rate limit, no session) and the public client configuration."""
from __future__ import annotations

import time

from aiohttp import web

from handlers.http.request import services
from store.mongo.database import iso, utcnow

routes = web.RouteTableDef()
STARTED = web.AppKey("started_monotonic", float)
LIVE_MEETINGS = web.AppKey("live_meeting_count", object)


def _meeting_count(request: web.Request) -> int:
    counter = request.app.get(LIVE_MEETINGS)
    return int(counter()) if callable(counter) else 0


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    if not await services(request).database.ping():
        return web.json_response({"status": "error", "error": "Database unavailable", "db": "unavailable"}, status=503)
    return web.json_response({
        "status": "ok",
        "uptime": round(time.monotonic() - request.app[STARTED], 3),
        "timestamp": iso(utcnow()),
        "meetings": _meeting_count(request),
        "db": "connected",
    })


@routes.get("/health/liveness")
async def liveness(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "alive": True})


@routes.get("/health/readiness")
async def readiness(request: web.Request) -> web.Response:
    if not await services(request).database.ping():
        return web.json_response({"status": "error", "db": "unavailable", "ready": False}, status=503)
    return web.json_response({"status": "ok", "db": "connected", "ready": True})


@routes.get("/api/config")
async def client_config(request: web.Request) -> web.Response:
    s = services(request)
    values = await s.site_settings.all()
    return web.json_response({
        "recordingEnabled": bool(values["recording_enabled"]),
        "screenShareEnabled": bool(values["screen_share_enabled"]),
        "blurEnabled": bool(values["blur_enabled"]),
        "registrationEnabled": bool(values["registration_enabled"]),
        # Slice's own: so pages offer only what this server can do.
        "guestMeetingsEnabled": bool(values["guest_meetings_enabled"]),
        "cardPaymentsEnabled": s.settings.stripe_secret_key is not None,
        "usdcDepositsEnabled": s.settings.crypto_mnemonic is not None,
    })


@routes.get("/api/config/ice-servers")
async def ice_servers(request: web.Request) -> web.Response:
    settings = services(request).settings
    servers: list[dict[str, object]] = [
        {"urls": "stun:stun.l.google.com:19302"},
        {"urls": "stun:stun1.l.google.com:19302"},
    ]
    if settings.turn_urls:
        servers.append({
            "urls": list(settings.turn_urls),
            "username": settings.turn_username,
            "credential": settings.turn_credential,
        })
    return web.json_response({"iceServers": servers})
