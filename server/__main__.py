"""``python -m server``: run Slice on PORT, with the embedded database unless MONGODB_URL is set."""
from __future__ import annotations

import gc
import logging
import sys

from aiohttp import web

from server import logs
from server.app import create_app
from server.settings import Settings, SettingsError


def tune_gc() -> None:
    """Keep the cyclic collector off the hot path of a server holding thousands of sockets.

    Everything alive after start-up (modules, the app) is frozen out of every
    later collection, and young collections run every 20,000 net allocations
    instead of 700: each connection and each emit allocates a few hundred
    objects, so the default made the collector run every few joins. Measured
    in bench/RESULTS.md.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def main() -> int:
    logs.configure()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        logging.getLogger("server").error("refusing to start: %s", exc)
        print(f"slice: refusing to start: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    tune_gc()
    # run_app turns SIGINT and SIGTERM into a graceful shutdown that runs every cleanup_ctx,
    # which is where the embedded database child is stopped.
    web.run_app(
        app, host=settings.host, port=settings.port, print=None,
        access_log_class=logs.AccessLogger if settings.log_requests else web.AccessLogger,
        access_log=logging.getLogger("access") if settings.log_requests else None,
        shutdown_timeout=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
