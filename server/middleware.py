"""The request pipeline: JSON errors (the one REST error mapping), rate limits, security headers, compression."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import brotli
from aiohttp import web
from aiohttp.typedefs import Middleware
from pymongo.errors import ConnectionFailure

from handlers.http.limits import HEADERS_KEY, limit
from server.ratelimit import RateLimitExceeded
from server.services import SERVICES
from server.settings import Settings
from store.errors import SliceError
from store.rooms.errors import DomainError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Paths under /api/ that keep their own limiter (or none): auth routes, the public config, the OpenAPI document.
API_LIMIT_EXEMPT = ("/api/auth/", "/api/config", "/api/billing/stripe/webhook", "/api/openapi.json")

HTTP_MESSAGES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


def error_response(status: int, message: str, code: str) -> web.Response:
    return web.json_response({"error": message, "code": code}, status=status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        response = _error_response(request, exc)
    # An error answer counts against the limit like any other, so it carries the same headers.
    for name, value in request.get(HEADERS_KEY, {}).items():
        response.headers.setdefault(name, value)
    return response


def _error_response(request: web.Request, exc: Exception) -> web.Response:
    if isinstance(exc, RateLimitExceeded):
        response = error_response(exc.status, exc.message, exc.code)
        response.headers.update(exc.headers)
        return response
    if isinstance(exc, SliceError | DomainError):
        return error_response(exc.status, exc.message, exc.code)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        message = HTTP_MESSAGES.get(exc.status, exc.reason)
        if exc.status == 404 and not request.path.startswith(("/api/", "/admin/api/")):
            message = "Page not found"
        response = error_response(exc.status, message, exc.reason.lower().replace(" ", "_"))
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    if isinstance(exc, ConnectionFailure):  # the database is down or unreachable: try again later
        log.error("database unavailable", extra={"path": request.path, "method": request.method, "error": str(exc)})
        _record_server_error(request, "Database unavailable")
        response = error_response(503, "Service temporarily unavailable", "database_unavailable")
        response.headers["Retry-After"] = "5"
        return response
    log.exception("unhandled error", extra={"path": request.path, "method": request.method}, exc_info=exc)
    _record_server_error(request, f"{type(exc).__name__}: {exc}")
    return error_response(500, "Internal server error", "internal")


def _record_server_error(request: web.Request, message: str) -> None:
    """An ``error.http`` analytics event per 5xx, keyed by the route's pattern (not its ids)."""
    services = request.app.get(SERVICES)
    if services is not None:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else request.path
        services.analytics.http_error(route, request.method, message)


@web.middleware
async def api_rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/api/") and not request.path.startswith(API_LIMIT_EXEMPT):
        await limit(request, "api")
    response = await handler(request)
    if HEADERS_KEY in request and not response.prepared:
        response.headers.update(request[HEADERS_KEY])
    return response


def security_headers(settings: Settings) -> Middleware:
    csp = "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "worker-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {settings.allowed_frame_ancestors}",
    ])
    fixed = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-DNS-Prefetch-Control": "off",
        "X-Permitted-Cross-Domain-Policies": "none",
        "Origin-Agent-Cluster": "?1",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self)",
    }
    if settings.production:
        fixed["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if not response.prepared:
            for name, value in fixed.items():
                response.headers.setdefault(name, value)
            if request.path.startswith("/api/") or request.path.startswith("/admin/api/"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response

    return middleware


COMPRESSIBLE = ("application/json", "text/", "application/javascript")


@web.middleware
async def compression(request: web.Request, handler: Handler) -> web.StreamResponse:
    """gzip or brotli (whichever the client accepts) for text bodies worth compressing."""
    response = await handler(request)
    if (
        isinstance(response, web.Response)
        and not response.prepared
        and response.body is not None
        and len(response.body) >= 1024  # type: ignore[arg-type]
        and response.content_type.startswith(COMPRESSIBLE)
    ):
        accepted = _accepted_codings(request.headers.get("Accept-Encoding", ""))
        response.headers.add("Vary", "Accept-Encoding")  # whichever coding is chosen, caches must know
        if "br" in accepted:
            response.body = brotli.compress(bytes(response.body), quality=5)  # type: ignore[arg-type]
            response.headers["Content-Encoding"] = "br"
        elif "gzip" in accepted:  # aiohttp on its own would pick deflate when both are offered
            response.enable_compression(web.ContentCoding.gzip)
        elif "deflate" in accepted:
            response.enable_compression(web.ContentCoding.deflate)
    return response


def _accepted_codings(header: str) -> set[str]:
    """Content codings the client accepts; ``q=0`` means "not this one"."""
    codings = set()
    for part in header.lower().split(","):
        name, _, params = part.partition(";")
        q = params.replace(" ", "").removeprefix("q=")
        if q and q.replace("0", "").replace(".", "") == "":
            continue
        codings.add(name.strip())
    return codings
