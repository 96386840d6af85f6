"""Applying a named rate limit to a request; the headers ride on whatever response follows."""
from __future__ import annotations

from aiohttp import web

from handlers.http.request import client_ip, services
from server.ratelimit import RateLimitExceeded

HEADERS_KEY = web.RequestKey("ratelimit_headers", dict)


async def limit(request: web.Request, name: str) -> None:
    verdict = await services(request).limiter.check(name, client_ip(request))
    request[HEADERS_KEY] = verdict.headers
    if not verdict.allowed:
        raise RateLimitExceeded(name, verdict.headers)
