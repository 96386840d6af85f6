"""Sockets that sit outside every meeting are disconnected after a while.

The original gives a socket 30 s from connecting to join, which drops a
person still choosing a camera in the lobby. Slice gives it
``idle_socket_timeout_seconds`` (15 minutes by default) and looks at where
the socket is rather than at what it did: a socket that was kicked, denied,
left with ``leave-meeting`` or outlived its meeting starts its idle time
then, with no hook needed in any of those paths.

One sweep over the connected sockets every tenth of the timeout (between
0.05 s and 30 s) replaces a timer per socket, so a socket is dropped
between 1.0 and 1.2 timeouts after it last had a place.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class IdleSockets:
    def __init__(
        self,
        timeout: float,
        has_place: Callable[[str], bool],
        disconnect: Callable[[str], Awaitable[None]],
    ) -> None:
        self.timeout = timeout
        self.interval = min(max(timeout / 10, 0.05), 30.0)
        self._has_place = has_place
        self._disconnect = disconnect
        self._outside_since: dict[str, float | None] = {}
        """Connected sockets: when each was first seen without a place (None while it has one)."""
        self._task: asyncio.Task[None] | None = None

    def connected(self, sid: str) -> None:
        self._outside_since[sid] = asyncio.get_running_loop().time()

    def gone(self, sid: str) -> None:
        self._outside_since.pop(sid, None)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def sweep(self) -> None:
        now = asyncio.get_running_loop().time()
        expired = []
        for sid, since in self._outside_since.items():
            if self._has_place(sid):
                if since is not None:
                    self._outside_since[sid] = None
            elif since is None:
                self._outside_since[sid] = now
            elif now - since >= self.timeout:
                expired.append(sid)
        for sid in expired:
            self._outside_since.pop(sid, None)
            await self._disconnect(sid)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("idle socket sweep failed")
