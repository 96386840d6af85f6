"""The python-socketio server, configured like the original (socket.io 4 protocol, EIO=4)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web

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


def read_whole_polling_bodies(sio: socketio.AsyncServer) -> None:
    translate: Callable[..., dict[str, Any]] = sio.eio._async["translate_request"]

    def translate_request(*args: Any, **kwargs: Any) -> dict[str, Any]:
        environ = translate(*args, **kwargs)
        environ["wsgi.input"] = WholeBody(environ["wsgi.input"])
        return environ

    sio.eio._async = {**sio.eio._async, "translate_request": translate_request}  # a copy: the driver's is shared


def create_sio(settings: Settings) -> socketio.AsyncServer:
    origins = allowed_origins(settings)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        # Same-origin pages always pass; the list adds the configured cross-origin callers.
        cors_allowed_origins=origins,
        cors_credentials=True,
        ping_interval=25,
        ping_timeout=20,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        client_manager=SliceManager(),
        logger=False,
        engineio_logger=False,
    )
    read_whole_polling_bodies(sio)
    return sio
