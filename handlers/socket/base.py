"""The socket side's one error mapping, payload guard and per-socket rate limits.

python-socketio swallows exceptions raised in handlers, so every event goes
through ``trigger_event`` here: a non-dict payload, a domain error or a crash
becomes an ``error {message, code}`` to the sender (and the ack, if asked),
and the connection stays up.
"""
from __future__ import annotations

import logging
import time
from bisect import bisect_right
from typing import Any

import socketio

from store.errors import SliceError
from store.rooms.errors import DomainError

log = logging.getLogger(__name__)

# event -> (max events, window seconds, error message or None for a silent drop); research §4.2.
EVENT_LIMITS: dict[str, tuple[int, float, str | None]] = {
    "chat:message": (10, 10.0, "Rate limited — too many messages"),
    "react": (5, 10.0, None),
    "chat:react": (10, 10.0, None),
    "captions:update": (20, 10.0, None),
    "raise-hand": (5, 10.0, None),
    "notes:update": (5, 1.0, "Rate limited — too many events"),  # up to 50 KB each, to the whole room
    # Each description costs the media worker an SDP parse and a renegotiation.
    "sfu:offer": (30, 10.0, "Rate limited — too many events"),
    "sfu:answer": (30, 10.0, "Rate limited — too many events"),
}
# Everything else: a generous ceiling, so a runaway client cannot flood a room.
DEFAULT_LIMIT: tuple[int, float, str | None] = (200, 1.0, "Rate limited — too many events")
# Events whose payload may be absent.
NO_PAYLOAD = frozenset({"disconnect", "connect", "recording:broadcast-stopped", "recording:start", "recording:stop",
                        "breakout:leave", "breakout:close", "stream:stop", "leave-meeting"})


class SlidingWindow:
    """Per socket, per event, a log of timestamps; rejected events are not recorded (as in the original).

    Keyed by socket first, so forgetting a socket on disconnect is O(its events). Each log is a
    plain sorted list (a deque costs ~600 bytes even when it holds one time, and most sockets
    send a handful of events), trimmed with one bisect.
    """

    def __init__(self) -> None:
        self.hits: dict[str, dict[str, list[float]]] = {}

    def allow(self, sid: str, event: str, now: float) -> tuple[bool, str | None]:
        limit, window, message = EVENT_LIMITS.get(event, DEFAULT_LIMIT)
        per_event = self.hits.get(sid)
        if per_event is None:
            per_event = self.hits[sid] = {}
        log_ = per_event.get(event)
        if log_ is None:
            log_ = per_event[event] = []
        expired = bisect_right(log_, now - window)
        if expired:
            del log_[:expired]
        if len(log_) >= limit:
            return False, message
        log_.append(now)
        return True, None

    def forget(self, sid: str) -> None:
        self.hits.pop(sid, None)


def method_name(event: str) -> str:
    return "on_" + event.replace(":", "_").replace("-", "_")


class SliceNamespace(socketio.AsyncNamespace):
    """Dispatches ``signal:offer`` to ``on_signal_offer`` and maps every failure once."""

    def __init__(self, namespace: str = "/") -> None:
        super().__init__(namespace)
        self.windows = SlidingWindow()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        handler = getattr(self, method_name(event), None) if isinstance(event, str) else None
        if handler is None:
            return None  # unknown events are ignored, as socket.io servers do
        sid = args[0] if args else ""
        if event in ("connect", "disconnect"):
            if self.server.manager.is_connected(sid, self.namespace):
                return None  # a client emitted an event by that name; real ones arrive while (dis)connecting
            try:
                return await handler(*args)
            except socketio.exceptions.ConnectionRefusedError:
                raise  # python-socketio turns it into the client's connect_error with our message
            except Exception:
                log.exception("socket lifecycle handler failed", extra={"event": event})
                return None
        allowed, message = self.windows.allow(sid, event, time.monotonic())
        if not allowed:
            if message:
                await self.emit("error", {"message": message, "code": "rate_limited"}, to=sid)
            return None
        payload = args[1] if len(args) > 1 else None
        if payload is None and event in NO_PAYLOAD:
            payload = {}
        if not isinstance(payload, dict):
            return await self._fail(sid, event, "Invalid payload: expected an object", "invalid_payload")
        try:
            return await handler(sid, payload)
        except (DomainError, SliceError) as exc:
            return await self._fail(sid, event, exc.message, exc.code)
        except Exception:
            log.exception("socket handler failed", extra={"event": event})
            return await self._fail(sid, event, "Internal server error", "internal")

    async def _fail(self, sid: str, event: str, message: str, code: str) -> dict[str, Any]:
        await self.emit("error", {"message": message, "code": code, "event": event}, to=sid)
        return {"error": message, "code": code}
