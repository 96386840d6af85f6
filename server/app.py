"""The app factory: one aiohttp application with python-socketio attached, used by __main__ and tests."""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_cors
from aiohttp import web

from handlers.http import accounts, api_keys, collaboration, files, health, meetings, openapi, pages, recordings
from handlers.http import billing as billing_routes
from handlers.http import company as company_routes
from handlers.http import live_stats as live_stats_routes
from handlers.http import usdc as usdc_routes
from handlers.http import webhooks as webhook_routes
from handlers.http.admin_area import ADMIN_ROUTES
from handlers.socket.namespace import MeetingNamespace
from handlers.socket.publish import Publisher
from server.accounts import AccountService
from server.background import BACKGROUND, Background
from server.company import CompanyService
from server.media import MEDIA, MediaService
from server.meetings import MEETINGS, MeetingService
from server.middleware import api_rate_limit, compression, errors, security_headers
from server.recordings import RECORDINGS, RecordingService
from server.services import SERVICES, Services
from server.settings import Settings
from server.sockets import SIO, allowed_origins, create_sio
from server.usdc import usdc_context
from server.webhooks import WEBHOOKS
from store.mongo.database import Database
from store.mongo.embedded import EmbeddedMongo

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[security_headers(settings), errors, pages.not_found_page, compression, api_rate_limit],
    )
    app[health.STARTED] = time.monotonic()
    app[BACKGROUND] = Background()
    sio = create_sio(settings)
    app[SIO] = sio
    sio.attach(app)

    app.cleanup_ctx.append(_database(settings))
    app.cleanup_ctx.append(usdc_context)  # after the database's: it uses the services
    app.cleanup_ctx.append(_background)
    _close_websockets_at_shutdown(app)

    for module in (health, accounts, api_keys, meetings, collaboration, files, recordings, openapi, pages, billing_routes,
                   company_routes, webhook_routes, usdc_routes, live_stats_routes):
        app.router.add_routes(module.routes)
    for table in ADMIN_ROUTES:
        app.router.add_routes(table)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
    pages.warn_if_client_missing()
    for caution in settings.cautions():
        log.warning(caution)
    _cors(app, settings)
    return app


def _cors(app: web.Application, settings: Settings) -> None:
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=True, expose_headers="*", allow_headers="*", allow_methods="*", max_age=600
    )
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in allowed_origins(settings)})
    for route in list(app.router.routes()):
        info = route.resource.get_info() if route.resource else {}
        if str(info.get("path", info.get("formatter", ""))).startswith("/socket.io"):
            continue  # python-socketio answers CORS for its own endpoint
        cors.add(route)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    async def context(app: web.Application) -> AsyncIterator[None]:
        embedded = None
        url = settings.mongodb_url
        if url is None:
            embedded = EmbeddedMongo(settings.data_dir)
            await embedded.start()
            url = embedded.url
        database = Database(url, settings.mongodb_db)
        try:
            services = Services.build(settings, database)
            await services.create_indexes()
            repaired = await services.ledger.repair()
            if repaired:
                log.warning("applied ledger entries left pending by a crash", extra={"count": repaired})
            if await CompanyService(services).finish_interrupted_joins():
                log.warning("finished company joins interrupted by a crash")
            await AccountService(services).seed_admin()
            app[SERVICES] = services
            services.analytics.start()
            meeting_service = MeetingService(services, Publisher(app[SIO]), app[BACKGROUND])
            app[MEETINGS] = meeting_service
            app[health.LIVE_MEETINGS] = lambda: len(meeting_service.registry)
            sio = app[SIO]
            media = MediaService(lambda sid, event, data: sio.emit(event, data, to=sid), app[BACKGROUND],
                                 settings.media_log_level, settings.media_stun_urls)
            app[MEDIA] = media
            meeting_service.listeners.append(media.on_events)
            recorder = RecordingService(meeting_service, media, services.recordings)
            app[RECORDINGS] = recorder
            meeting_service.listeners.append(recorder.on_events)
            namespace = MeetingNamespace(meeting_service, media, recorder, settings.idle_socket_timeout_seconds)
            app[SIO].register_namespace(namespace)
            app[WEBHOOKS] = meeting_service.webhooks
            await meeting_service.webhooks.start()
            await meeting_service.start()
            namespace.idle.start()
            recorder.start_pruning()
            try:
                yield
            finally:
                await recorder.stop_pruning()
                await recorder.stop_all()  # every file finished and listed while the worker still runs
                await media.stop()
                await namespace.idle.stop()
                await meeting_service.stop()
                await services.analytics.stop()  # after the meetings: their last events are in
                await meeting_service.webhooks.stop()
        finally:
            await database.close()
            if embedded is not None:
                await embedded.stop()

    return context


def _close_websockets_at_shutdown(app: web.Application) -> None:
    """aiohttp stops reading every connection before ``on_shutdown``, so a websocket's closing
    handshake can never finish and shutdown waits for the ping timeout (45 s) or
    ``shutdown_timeout``. Dropping the connections ends them at once; clients reconnect to the
    next process and re-join their (persisted) meetings."""
    live: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()

    async def remember(request: web.BaseRequest, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse) and request.transport is not None:
            live.add(request.transport)

    async def close_all(_: web.Application) -> None:
        for transport in list(live):
            transport.close()

    app.on_response_prepare.append(remember)
    app.on_shutdown.append(close_all)


async def _background(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[SIO].shutdown()
    await app[BACKGROUND].drain()
