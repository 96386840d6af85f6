"""HTML pages of the web client (static/)."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parents[2] / "static"
NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate"}


def _page(name: str) -> web.FileResponse:
    return web.FileResponse(STATIC / name, headers=NO_CACHE)


@routes.get("/")
async def home(request: web.Request) -> web.FileResponse:
    return _page("index.html")
