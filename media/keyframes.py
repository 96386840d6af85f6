"""Keyframe requests to a publisher, at most one per interval.

Every subscriber that joins, overflows or sends PLI/FIR wants a keyframe; a
publisher asked for one per subscriber would send nothing but keyframes. A
request inside the interval is not lost: one PLI goes out when it ends.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

KEYFRAME_INTERVAL = 1.0  # seconds between PLIs to one publisher


class KeyframeRequester:
    def __init__(self, send_pli: Callable[[], Awaitable[bool]], interval: float = KEYFRAME_INTERVAL) -> None:
        self.send_pli = send_pli
        self.interval = interval
        self.last = float("-inf")
        self.sent = 0
        self._pending: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None
        self._closed = False

    def request(self) -> None:
        if self._closed or self._pending is not None:
            return
        wait = self.last + self.interval - time.monotonic()
        loop = asyncio.get_running_loop()
        if wait <= 0:
            self._fire()
        else:
            self._pending = loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        self._pending = None
        self.last = time.monotonic()
        self._sending = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        try:
            if await self.send_pli():
                self.sent += 1
            else:  # no packet from the publisher yet: ask again once it has started
                self.last = float("-inf")
                if not self._closed:
                    self._pending = asyncio.get_running_loop().call_later(0.1, self._fire)
        except ConnectionError:
            pass  # the publisher's transport is closing
        except Exception:
            log.exception("keyframe request failed")

    def close(self) -> None:
        self._closed = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
