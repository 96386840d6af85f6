"""The meeting lifecycle around the live registry: creation, persistence, grace timers,
scheduled activation, ending and billing.

The registry decides; this module does the I/O that follows a decision. Writes that
relayed events do not depend on (peak counts, attendance) are queued, never awaited
in the path of a socket event.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handlers.socket.publish import Publisher
from server.background import Background
from server.billing import MeetingBilling
from server.services import Services
from server.webhooks import WebhookService
from store.errors import Forbidden, PaymentRequired
from store.rooms import Meeting, MeetingStatus, Registry
from store.rooms.events import MeetingEnded, MeetingEvent, ParticipantJoined, ParticipantLeft
from store.rooms.settings import Settings

log = logging.getLogger(__name__)


EventListener = Callable[[Meeting | None, list[MeetingEvent]], Coroutine[Any, Any, None]]


def now_ms() -> int:
    return int(time.time() * 1000)


class MeetingService:
    def __init__(self, services: Services, publisher: Publisher, background: Background) -> None:
        self.s = services
        self.registry = Registry()
        self.publisher = publisher
        self.background = background
        self.billing = MeetingBilling(services)
        self.webhooks = WebhookService(services)
        self.grace: dict[str, asyncio.TimerHandle] = {}
        self.dirty: set[str] = set()
        self.unsettled: dict[str, tuple[dict[str, Any], MeetingEnded]] = {}
        """Ended meetings whose end, charge or clean-up the database has not taken yet."""
        self.listeners: list[EventListener] = []
        self._scheduler: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    # -- start-up and shutdown -------------------------------------------------

    async def start(self) -> None:
        docs = await self.s.meetings.all_live()
        for doc in docs:
            if doc.get("status") == MeetingStatus.ENDED.value:
                await self._finish_interrupted_end(doc)
        for meeting in self.registry.restore(docs):
            # Nobody is connected yet: a meeting people were in ends unless they re-join in time.
            # One nobody ever joined waits for its host, as it did before the restart.
            if meeting.status is MeetingStatus.ACTIVE and meeting.peak_participants > 0:
                self._start_grace(meeting.id)
        self._scheduler = asyncio.create_task(self._schedule_loop())
        self._flusher = asyncio.create_task(self._flush_loop())

    async def stop(self) -> None:
        for task in (self._scheduler, self._flusher):
            if task is not None:
                task.cancel()
        for handle in self.grace.values():
            handle.cancel()
        self.grace.clear()
        # Active and scheduled meetings are kept (not ended) so they come back after a restart.
        for meeting in list(self.registry):
            self.dirty.add(meeting.id)
        await self.flush()

    # -- creation ----------------------------------------------------------------

    async def create(
        self, *, title: Any, settings: dict[str, Any], scheduled_at_ms: int | None,
        owner_id: int | None, owner_company_id: int | None, guest: bool = False,
    ) -> tuple[Meeting, str]:
        if guest and not await self.s.site_settings.get("guest_meetings_enabled"):
            raise Forbidden("Guest meetings are disabled", code="guest_meetings_disabled")
        if not guest:
            await self._require_credit(owner_id, owner_company_id)
        default_max = int(await self.s.site_settings.get("max_participants_default"))
        base = Settings.from_wire({"maxParticipants": default_max})  # held to the cap's range
        meeting, admin_token = self.registry.create(
            now_ms=now_ms(), title=title, settings=base.patched(settings), scheduled_at_ms=scheduled_at_ms,
            owner_id=owner_id, owner_company_id=owner_company_id, is_guest=guest,
            default_title="Untitled Meeting",
        )
        if not guest:
            try:
                await self.s.meetings.save(meeting.id, meeting.to_doc())
                if meeting.status is MeetingStatus.ACTIVE:
                    await self._log_start(meeting)
            except Exception:
                self.registry.remove(meeting.id)
                raise
        self.s.analytics.meeting_created(meeting)
        return meeting, admin_token

    async def _require_credit(self, user_id: int | None, company_id: int | None) -> None:
        if company_id is not None:
            owner = await self.s.accounts.company(company_id)
        else:
            owner = await self.s.accounts.get(user_id) if user_id is not None else None
        if owner is None or owner.get("credits_micros", 0) <= 0:
            raise PaymentRequired("Insufficient credits")

    async def _log_start(self, meeting: Meeting) -> None:
        started = datetime.fromtimestamp(meeting.created_at_ms / 1000, UTC)
        owner = int(meeting.owner_id) if meeting.owner_id is not None else None
        company = int(meeting.owner_company_id) if meeting.owner_company_id is not None else None
        await self.s.meetings.log_start(meeting.id, meeting.title, owner, company, started)
        await self.webhooks.meeting_started(meeting)

    # -- events that follow registry calls --------------------------------------

    async def apply(self, meeting: Meeting | None, events: Iterable[MeetingEvent], *, skip_sid: str | None = None) -> None:
        """Publish the events to sockets, then do their follow-up work (timers, persistence, hooks)."""
        events = list(events)
        self.s.analytics.observe(meeting, events)  # buffered: no I/O here
        await self.webhooks.meeting_events(meeting, events)  # in the outbox before anyone is told
        await self.publisher.publish(events, skip_sid=skip_sid)
        for ev in events:
            if isinstance(ev, ParticipantJoined):
                self._cancel_grace(ev.meeting_id)
            elif isinstance(ev, ParticipantLeft) and ev.meeting_now_empty:
                self._start_grace(ev.meeting_id)
        if (meeting is not None and not meeting.is_guest and meeting.status is not MeetingStatus.ENDED
                and any(ev.changes_record for ev in events)):
            self.dirty.add(meeting.id)
        for listener in self.listeners:
            self.background.spawn(listener(meeting, events))

    # -- ending ------------------------------------------------------------------------

    async def end(self, meeting_id: str, reason: str) -> MeetingEnded:
        """End a meeting: record the end, tell everyone, charge once, forget the live document.

        The meeting leaves memory at once; if the database fails on the way,
        the rest is retried by the write-behind loop (``unsettled``), so a
        charge is never lost and never doubled (the ledger key is the meeting's).
        """
        meeting = self.registry.get(meeting_id)
        ended = self.registry.end(meeting_id, reason, now_ms())
        self._cancel_grace(meeting_id)
        self.dirty.discard(meeting_id)
        doc = meeting.to_doc()
        recorded = not ended.billable
        if ended.billable:
            # Record the end first: if we crash before billing, start-up finishes the job.
            recorded = await self._attempt("record the end", self.s.meetings.save(meeting_id, doc))
        await self.apply(None, [ended])
        if not ended.is_guest:
            await self._settle(doc, ended, recorded)
        return ended

    async def _settle(self, doc: dict[str, Any], ended: MeetingEnded, recorded: bool) -> None:
        async def steps() -> None:
            if not recorded:
                await self.s.meetings.save(ended.meeting_id, doc)
            await self.webhooks.meeting_ended(ended, await self.billing.charge(ended))
            await self.s.meetings.delete(ended.meeting_id)

        if await self._attempt("settle an ended meeting", steps()):
            self.unsettled.pop(ended.meeting_id, None)
        else:
            self.unsettled[ended.meeting_id] = (doc, ended)

    async def _attempt(self, what: str, work: Awaitable[Any]) -> bool:
        try:
            await work
        except Exception:
            log.exception("could not %s; will retry", what)
            return False
        return True

    async def _finish_interrupted_end(self, doc: dict[str, Any]) -> None:
        ended = MeetingEnded(
            meeting_id=doc["_id"], title=doc["title"], reason="interrupted", cancelled=False,
            created_at_ms=doc["created_at_ms"], ended_at_ms=doc["ended_at_ms"] or now_ms(),
            duration_ms=(doc["ended_at_ms"] or now_ms()) - doc["created_at_ms"],
            peak_participants=doc.get("peak_participants", 0), owner_id=doc.get("owner_id"),
            owner_company_id=doc.get("owner_company_id"), is_guest=bool(doc.get("is_guest")),
            sids=(), waiting_sids=(), attendance=(),
        )
        await self.webhooks.meeting_ended(ended, await self.billing.charge(ended))
        await self.s.meetings.delete(doc["_id"])

    def _start_grace(self, meeting_id: str) -> None:
        self._cancel_grace(meeting_id)
        loop = asyncio.get_running_loop()
        self.grace[meeting_id] = loop.call_later(
            self.s.settings.empty_meeting_grace_seconds,
            lambda: self.background.spawn(self._grace_expired(meeting_id)),
        )

    def _cancel_grace(self, meeting_id: str) -> None:
        handle = self.grace.pop(meeting_id, None)
        if handle is not None:
            handle.cancel()

    async def _grace_expired(self, meeting_id: str) -> None:
        self.grace.pop(meeting_id, None)
        if meeting_id in self.registry:
            meeting = self.registry.get(meeting_id)
            if meeting.status is MeetingStatus.ACTIVE and meeting.is_empty:
                await self.end(meeting_id, "Meeting ended: everyone left")

    # -- scheduled activation and write-behind -------------------------------------

    async def _schedule_loop(self) -> None:
        while True:
            await asyncio.sleep(self.s.settings.scheduler_interval_seconds)
            try:
                for meeting in self.registry.activate_due(now_ms()):
                    await self.s.meetings.save(meeting.id, meeting.to_doc())
                    await self._log_start(meeting)
                    self._start_grace(meeting.id)
                    log.info("scheduled meeting activated", extra={"meeting": meeting.id})
            except Exception:
                log.exception("scheduled activation failed")

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            try:
                await self.flush()
            except Exception:
                log.exception("meeting write-behind failed")

    async def flush(self) -> None:
        """Save every changed meeting; one that fails stays dirty and the rest go on."""
        dirty, self.dirty = self.dirty, set()
        for meeting_id in dirty:
            if meeting_id in self.registry:
                meeting = self.registry.get(meeting_id)
                if not meeting.is_guest and not await self._attempt(
                    "save a meeting", self.s.meetings.save(meeting_id, meeting.to_doc())
                ):
                    self.dirty.add(meeting_id)
        for doc, ended in list(self.unsettled.values()):
            await self._settle(doc, ended, recorded=False)


async def persist_now(service: MeetingService, meeting: Meeting) -> None:
    """For changes a client relies on at once (an invite it is about to hand out)."""
    if not meeting.is_guest:
        await service.s.meetings.save(meeting.id, meeting.to_doc())


MEETINGS = web.AppKey("meetings", MeetingService)
