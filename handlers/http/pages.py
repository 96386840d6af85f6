"""HTML pages of the web client (static/) and the socket.io-client bundle the meeting page loads.

Pages are read at request time (``FileResponse``), so a page added to static/ later is served without
a restart, and none is cached by the browser (research §3.10: every page route says no-cache)."""
from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from handlers.http.request import session_caller
from server.middleware import Handler

log = logging.getLogger(__name__)

routes = web.RouteTableDef()
ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate"}

# The official socket.io-client, installed by scripts/setup (npm ci, package-lock.json pins it).
CLIENT_BUNDLE = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CLIENT_CACHE = {"Cache-Control": "public, max-age=86400"}
CLIENT_MISSING = 'console.error("Slice: the web client needs Node.js: run scripts/setup");\n'

# Paths whose unknown addresses keep the JSON 404 of server/middleware.py (machines read them).
JSON_PREFIXES = ("/api/", "/admin/api/", "/health", "/socket.io/", "/static/")


def _page(name: str, status: int = 200) -> web.FileResponse:
    return web.FileResponse(STATIC / name, headers=NO_CACHE, status=status)


PAGES = {
    "/": "index.html",
    "/join/{meeting_id}": "join.html",
    "/dashboard": "dashboard.html",
    "/register": "register.html",
    "/reset": "reset.html",
    "/docs": "docs.html",
}
"""Pages anyone may open; /billing and the admin pages below look at the session first."""


def _serves(name: str) -> Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        return _page(name)

    return page


for _path, _name in PAGES.items():
    routes.get(_path, name=_name.removesuffix(".html"))(_serves(_name))


@routes.get("/billing")
async def billing(request: web.Request) -> web.StreamResponse:
    # onepizza answers 401 JSON here; a person in a browser is better served by the sign-in page.
    if await session_caller(request, required=False) is None:
        raise web.HTTPFound("/dashboard?next=/billing", headers=NO_CACHE)
    return _page("billing.html")


@routes.get("/admin")
async def admin_login(request: web.Request) -> web.StreamResponse:
    caller = await session_caller(request, required=False)
    if caller is not None and caller.is_admin:
        raise web.HTTPFound("/admin/dashboard", headers=NO_CACHE)
    return _page("admin-login.html")


@routes.get("/admin/dashboard")
async def admin_dashboard(request: web.Request) -> web.StreamResponse:
    caller = await session_caller(request, required=False)
    if caller is None or not caller.is_admin:
        raise web.HTTPFound("/admin", headers=NO_CACHE)
    return _page("admin.html")


@routes.get("/socket.io/socket.io.js")
async def socket_io_client(request: web.Request) -> web.StreamResponse:
    if not CLIENT_BUNDLE.is_file():
        return web.Response(
            status=503, text=CLIENT_MISSING, content_type="application/javascript", headers=NO_CACHE
        )
    return web.FileResponse(CLIENT_BUNDLE, headers=CLIENT_CACHE)


@routes.get("/socket.io/socket.io.min.js.map")
async def socket_io_client_map(request: web.Request) -> web.StreamResponse:
    source_map = CLIENT_BUNDLE.with_name(CLIENT_BUNDLE.name + ".map")
    if not source_map.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(source_map, headers=CLIENT_CACHE)


def warn_if_client_missing() -> None:
    """Said once at start-up: the server runs without Node, but the meeting page cannot."""
    if not CLIENT_BUNDLE.is_file():
        log.warning(
            "socket.io-client is not installed: the web client needs Node.js and npm; run scripts/setup",
            extra={"missing": str(CLIENT_BUNDLE)},
        )


@web.middleware
async def not_found_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A person who mistypes an address gets a page; API clients (no text/html in Accept) keep JSON."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if (
            request.method not in ("GET", "HEAD")
            or request.path.startswith(JSON_PREFIXES)
            or "text/html" not in request.headers.get("Accept", "")
        ):
            raise
        return _page("404.html", status=404)
