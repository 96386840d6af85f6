"""The python-socketio server, configured like the original (socket.io 4 protocol, EIO=4)."""
from __future__ import annotations

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


def create_sio(settings: Settings) -> socketio.AsyncServer:
    origins = allowed_origins(settings)
    return socketio.AsyncServer(
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
