"""The python-socketio server, configured like the original (socket.io 4 protocol, EIO=4)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web
from aiohttp.web import WebSocketResponse
from engineio.async_drivers.aiohttp import WebSocket as EngineWebSocket

from handlers.socket.manager import SliceManager
from server.settings import Settings

SIO = web.AppKey("sio", socketio.AsyncServer)

MAX_MESSAGE_BYTES = 1_000_000  # the original's maxHttpBufferSize: a larger packet closes the connection


def allowed_origins(settings: Settings) -> list[str]:
    """ALLOWED_ORIGINS, or in development this server's own localhost origins."""
    if settings.allowed_origins:
        return list(settings.allowed_origins)
    if settings.production:
        return [settings.app_url]
    return [f"http://{host}:{settings.port}" for host in ("localhost", "127.0.0.1")] + [settings.app_url]


class OriginCheck:
    """The socket handshake's Origin test: the configured origins, and always the page's own.

    Given a list, python-engineio accepts only the list, so a page served by this very server
    under another name (a LAN address, a second domain) could not open its socket. An origin
    equal to ``scheme://Host`` of the handshake is same-origin: a cross-site page cannot send
    our Host with its own Origin, so this lets no other site in."""

    def __init__(self, origins: list[str]) -> None:
        self.origins = frozenset(origins)

    def __call__(self, origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None or origin in self.origins:
            return True
        host = environ.get("HTTP_HOST")
        return host is not None and origin in (f"http://{host}", f"https://{host}")


class WholeBody:
    """engine.io reads a polling POST with a single ``read(length)``; on aiohttp that returns
    only what has arrived so far, so a long message arrived cut and was dropped."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    async def read(self, length: int = -1) -> bytes:
        if length < 0:
            return bytes(await self.stream.read())
        try:
            return bytes(await self.stream.readexactly(length))
        except asyncio.IncompleteReadError as exc:  # the client gave up mid-body
            return exc.partial


class UncompressedWebSocket(EngineWebSocket):
    """The driver's websocket without permessage-deflate.

    aiohttp's ``WebSocketResponse`` compresses by default and browsers always
    offer it, so every message to every recipient went through that
    connection's own zlib stream: one encoded packet per room emit became one
    compression per recipient, and each connection carried its deflate state.
    Measured with a client that offers compression (bench/fanout.py): 33k
    deliveries per CPU-second and p99 58 ms with it, against 54k and 5 ms
    without. The Node socket.io server has compression off by default too.
    """

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await self._sock.prepare(request)
        self.environ = environ
        await self.handler(self)
        return self._sock


def adjust_engineio_driver(sio: socketio.AsyncServer) -> None:
    """Plug the two fixes above into python-engineio's aiohttp driver table.

    The table is private API: ``tests/meetings/test_engineio_driver.py`` fails
    loudly if a python-engineio upgrade changes its shape.
    """
    driver = sio.eio._async
    translate: Callable[..., dict[str, Any]] = driver["translate_request"]

    def translate_request(*args: Any, **kwargs: Any) -> dict[str, Any]:
        environ = translate(*args, **kwargs)
        if environ.get("REQUEST_METHOD") == "POST":  # only polling POSTs carry a body engine.io reads
            environ["wsgi.input"] = WholeBody(environ["wsgi.input"])
        return environ

    # A copy: the driver's own table is shared by every server in the process.
    sio.eio._async = {**driver, "translate_request": translate_request, "websocket": UncompressedWebSocket}


def create_sio(settings: Settings) -> socketio.AsyncServer:
    origins = allowed_origins(settings)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        # Same-origin pages always pass; the list adds the configured cross-origin callers.
        cors_allowed_origins=OriginCheck(origins),
        cors_credentials=True,
        ping_interval=25,
        ping_timeout=20,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        client_manager=SliceManager(),
        logger=False,
        engineio_logger=False,
    )
    adjust_engineio_driver(sio)
    return sio
