"""Analytics events: recorded without a database round trip, written in batches.

``record`` only appends to a bounded in-memory buffer, so the socket event path never
waits on MongoDB; a background loop writes the buffer every interval (sooner when a
batch is full) and once more at shutdown. A failed write keeps the events for the next
try; when the buffer is full new events are dropped and counted, never blocking.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError

from store.mongo.analytics import AnalyticsStore, Event, week_of
from store.mongo.database import utcnow
from store.rooms import Meeting
from store.rooms.billing import duration_minutes
from store.rooms.events import (
    Admitted,
    ChatMessage,
    Denied,
    MeetingEnded,
    MeetingEvent,
    ParticipantJoined,
    ParticipantUpdated,
    Reaction,
    RecordingStarted,
    RecordingStopped,
)

log = logging.getLogger(__name__)

BUFFER_MAX = 20_000
BATCH_SIZE = 500
DROP_LOG_INTERVAL_S = 60.0
SHUTDOWN_FLUSH_TIMEOUT_S = 5.0
META_TEXT_MAX = 300
DUPLICATE_KEY = 11000


class Analytics:
    def __init__(self, store: AnalyticsStore, flush_interval: float, buffer_max: int = BUFFER_MAX) -> None:
        self.store = store
        self.flush_interval = flush_interval
        self.buffer_max = buffer_max
        self.buffer: list[Event] = []
        self.dropped = 0
        self._drops_logged_at = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- recording (synchronous, no I/O) ---------------------------------------

    def record(
        self, event_type: str, *, user_id: int | None = None, meeting_id: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if len(self.buffer) >= self.buffer_max:
            self.dropped += 1
            self._log_drops()
            return
        now = utcnow()
        self.buffer.append({
            # Our own id, so a batch retried after a partial write does not insert twice.
            "_id": ObjectId(),
            "event_type": event_type,
            "family": event_type.partition(".")[0],
            "user_id": user_id,
            "meeting_id": meeting_id,
            "meta": meta or {},
            "created_at": now,
            "day": now.strftime("%Y-%m-%d"),
            "week": week_of(now),
        })
        if len(self.buffer) >= BATCH_SIZE:
            self._wake.set()

    def _log_drops(self) -> None:
        now = time.monotonic()
        if now - self._drops_logged_at >= DROP_LOG_INTERVAL_S:
            self._drops_logged_at = now
            log.warning("analytics buffer full: events dropped", extra={"dropped_total": self.dropped})

    def meeting_created(self, meeting: Meeting) -> None:
        self.record(
            "guest_meeting.created" if meeting.is_guest else "meeting.created",
            user_id=_owner(meeting.owner_id), meeting_id=meeting.id,
            meta={"scheduled": meeting.scheduled_at_ms is not None, "muteOnJoin": meeting.settings.mute_on_join,
                  "waitingRoom": meeting.settings.waiting_room},
        )

    def observe(self, meeting: Meeting | None, events: Iterable[MeetingEvent]) -> None:
        """The analytics that follow meeting events (called by ``MeetingService.apply``)."""
        owner = _owner(meeting.owner_id) if meeting is not None else None
        for ev in events:
            found = _describe(ev)
            if found is not None:
                event_type, meta = found
                if isinstance(ev, MeetingEnded):
                    owner = _owner(ev.owner_id)
                self.record(event_type, user_id=owner, meeting_id=ev.meeting_id, meta=meta)

    def http_error(self, route: str, method: str, message: str) -> None:
        self.record("error.http", meta={"route": route[:META_TEXT_MAX], "method": method,
                                        "message": message[:META_TEXT_MAX]})

    # -- writing ------------------------------------------------------------------

    async def flush(self) -> bool:
        """Write everything buffered; False (events kept) if the database refused."""
        while self.buffer:
            batch = self.buffer[:BATCH_SIZE]
            try:
                await self.store.insert(batch)
            except BulkWriteError as exc:
                if any(err.get("code") != DUPLICATE_KEY for err in exc.details.get("writeErrors", [])):
                    log.warning("analytics write failed; will retry", extra={"buffered": len(self.buffer)})
                    return False
            except Exception as exc:
                log.warning("analytics write failed; will retry", extra={"buffered": len(self.buffer), "error": str(exc)})
                return False
            del self.buffer[:len(batch)]
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await asyncio.wait_for(self.flush(), SHUTDOWN_FLUSH_TIMEOUT_S)
        except TimeoutError:
            log.warning("analytics events lost at shutdown", extra={"buffered": len(self.buffer)})

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            await self.flush()


def _owner(owner_id: object) -> int | None:
    return int(str(owner_id)) if owner_id is not None else None


def _describe(ev: MeetingEvent) -> tuple[str, dict[str, Any]] | None:
    """The analytics event type and meta for one meeting event (the document's table), if any."""
    if isinstance(ev, ParticipantJoined):
        return "meeting.participant_joined", {"meetingId": ev.meeting_id, "participantCount": ev.participant_count}
    if isinstance(ev, ParticipantUpdated):
        if "isScreenSharing" in ev.changes:
            return "feature.screen_share", {"action": "start" if ev.changes["isScreenSharing"] else "stop"}
        if "isHandRaised" in ev.changes:
            return "feature.hand_raise", {"raised": bool(ev.changes["isHandRaised"])}
        return None
    if isinstance(ev, ChatMessage):
        return "feature.chat", {"length": len(ev.text)}
    if isinstance(ev, Reaction):
        return "feature.reaction", {"emoji": ev.emoji}
    if isinstance(ev, Admitted) and not ev.bypassed:
        return "feature.waiting_room", {"action": "admit"}
    if isinstance(ev, Denied):
        return "feature.waiting_room", {"action": "deny"}
    if isinstance(ev, RecordingStarted):
        return "feature.recording", {"action": "start"}
    if isinstance(ev, RecordingStopped):
        return "feature.recording", {"action": "stop"}
    if isinstance(ev, MeetingEnded) and not ev.cancelled:
        # The cost is decided by billing after this event; the history row (and trends) carry it.
        return "meeting.ended", {"durationMinutes": str(duration_minutes(ev.duration_ms)),
                                 "peakParticipants": ev.peak_participants}
    return None
