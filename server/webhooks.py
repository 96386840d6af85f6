"""Webhooks: endpoints a tenant registers, and the meeting events written to their outbox.

An event is written to the outbox before the state change it reports is acknowledged (the
``joined`` ack, the kick answer, the 201 of a new meeting), so a crash cannot lose it; the worker
in ``webhook_delivery`` sends it. Meetings whose owner has no hook must not pay for this, so
which tenant has which hooks is cached (briefly, and dropped whenever this process changes a hook).
"""
from __future__ import annotations

import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import pymongo
from aiohttp import web

from server.services import Services
from server.webhook_delivery import DeliveryWorker, now_ms
from server.webhook_signing import SecretBox, new_secret
from server.webhook_urls import check_receiver
from store.errors import InvalidInput, NotFound
from store.mongo.webhooks import Delivery, Hook, WebhookStore, new_delivery, new_hook
from store.numbers import whole_number
from store.rooms import Meeting
from store.rooms.billing import duration_minutes, format_usd
from store.rooms.events import MeetingEnded, MeetingEvent, ParticipantJoined, ParticipantLeft
from store.rooms.model import Participant

log = logging.getLogger(__name__)

EVENTS = ("meeting.started", "meeting.ended", "participant.joined", "participant.left")
HOOKS_PER_TENANT = 20
EVENTS_SCANNED = 50
"""Entries of ``events`` looked at; the rest of an over-long list is ignored."""
CACHE_TTL_S = 60.0
"""How long another process's new hook may go unnoticed here (this process's own changes are seen at once)."""
OUTBOX_WRITE_TIMEOUT_S = 2.0
"""A join waits at most this long for the outbox when the database is down, then goes on without it."""
UNWRITTEN_MAX = 1000

TenantKey = tuple[int | None, int | None]


@dataclass(frozen=True)
class Occurrence:
    """One event in one meeting; ``key`` makes it unique, so writing it twice sends it once."""

    event: str
    meeting_id: str
    owner_id: int | None
    company_id: int | None
    key: str
    timestamp_ms: int
    data: dict[str, Any]

    def body(self) -> str:
        return json.dumps({"event": self.event, "meetingId": self.meeting_id, "timestamp": self.timestamp_ms,
                           "data": self.data}, separators=(",", ":"), ensure_ascii=False)


def _owner(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else whole_number(value)


class WebhookService:
    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.store: WebhookStore = services.webhooks
        self.allow_private = settings.webhook_allow_private
        self.box = SecretBox(settings.webhook_secret_key or settings.session_secret)
        self.worker = DeliveryWorker(self.store, settings, self.box, before_round=self.write_unwritten)
        self.cache: dict[TenantKey, tuple[float, list[Hook]]] = {}
        self.generation = 0
        """Bumped at every hook change, so a lookup that raced with one is not cached."""
        self.unwritten: deque[Occurrence] = deque(maxlen=UNWRITTEN_MAX)
        """Events the outbox could not take (database down); retried by the worker, lost on a crash."""

    async def start(self) -> None:
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    # -- endpoints -----------------------------------------------------------------------------

    async def create(self, user_id: int, company_id: int | None, url: object, events: object) -> tuple[Hook, str]:
        """A new hook (the company's when the caller is in one) and its secret, which is never shown again."""
        checked = await check_receiver(url, allow_private=self.allow_private)
        names = events if isinstance(events, list) else []
        chosen = list(dict.fromkeys(e for e in names[:EVENTS_SCANNED] if isinstance(e, str) and e in EVENTS))
        if not chosen:
            raise InvalidInput("At least one valid event required", code="events_required")
        if await self.store.count_for_tenant(user_id, company_id) >= HOOKS_PER_TENANT:
            raise InvalidInput(f"Maximum {HOOKS_PER_TENANT} webhooks per account", code="webhook_limit")
        hook_id = await self.store.next_hook_id()
        secret = new_secret()
        doc = new_hook(hook_id, user_id, company_id, checked, chosen, self.box.seal(hook_id, secret))
        await self.store.insert_hook(doc)
        self._forget()
        return doc, secret

    async def visible(self, user_id: int, company_id: int | None) -> list[Hook]:
        return await self.store.visible(user_id, company_id)

    async def delete(self, user_id: int, company_id: int | None, hook_id: int) -> None:
        await self._hook(user_id, company_id, hook_id)
        await self.store.delete_hook(hook_id)
        self._forget()

    async def deliveries(self, user_id: int, company_id: int | None, hook_id: int, limit: int) -> list[Delivery]:
        await self._hook(user_id, company_id, hook_id)
        return await self.store.for_hook(hook_id, limit)

    async def retry(self, user_id: int, company_id: int | None, hook_id: int, delivery_id: str) -> Delivery:
        await self._hook(user_id, company_id, hook_id)
        doc = await self.store.requeue(hook_id, delivery_id, now_ms())
        if doc is None:
            raise NotFound("Delivery not found", code="delivery_not_found")
        self.worker.poke()
        return doc

    async def _hook(self, user_id: int, company_id: int | None, hook_id: int) -> Hook:
        hook = await self.store.visible_one(hook_id, user_id, company_id)
        if hook is None:
            raise NotFound("Webhook not found", code="webhook_not_found")
        return hook

    # -- meeting events -------------------------------------------------------------------------

    async def meeting_events(self, meeting: Meeting | None, events: list[MeetingEvent]) -> None:
        """participant.joined / participant.left for the events ``MeetingService.apply`` is about to publish."""
        if meeting is None or meeting.is_guest or meeting.owner_id is None:
            return
        for ev in events:
            if isinstance(ev, ParticipantJoined):
                if ev.replaced is not None:
                    await self._offer(self._participant(meeting, "participant.left", ev.replaced))
                await self._offer(self._participant(meeting, "participant.joined", ev.participant))
            elif isinstance(ev, ParticipantLeft):
                await self._offer(self._participant(meeting, "participant.left", ev.participant))

    async def meeting_started(self, meeting: Meeting) -> None:
        if meeting.is_guest or meeting.owner_id is None:
            return
        await self._offer(Occurrence(
            "meeting.started", meeting.id, _owner(meeting.owner_id), _owner(meeting.owner_company_id),
            f"{meeting.id}:{meeting.created_at_ms}:started", meeting.created_at_ms,
            {"meetingId": meeting.id, "title": meeting.title},
        ))

    async def meeting_ended(self, ended: MeetingEnded, cost_micros: int) -> None:
        """Raises if the outbox cannot be written: the caller (settling the meeting) retries, and the
        occurrence key makes the retry write it once."""
        if not ended.billable:
            return
        occurrence = Occurrence(
            "meeting.ended", ended.meeting_id, _owner(ended.owner_id), _owner(ended.owner_company_id),
            f"{ended.meeting_id}:{ended.created_at_ms}:ended", ended.ended_at_ms,
            {"meetingId": ended.meeting_id, "title": ended.title,
             "durationMinutes": float(duration_minutes(ended.duration_ms)),
             "peakParticipants": ended.peak_participants, "costUsd": format_usd(cost_micros)},
        )
        await self.write(occurrence)

    def _participant(self, meeting: Meeting, event: str, who: Participant) -> Occurrence:
        return Occurrence(
            event, meeting.id, _owner(meeting.owner_id), _owner(meeting.owner_company_id),
            f"{meeting.id}:{who.id}:{event}", now_ms(),
            {"meetingId": meeting.id, "participantId": who.id, "name": who.name},
        )

    async def _offer(self, occurrence: Occurrence) -> None:
        """Write now; if the database is down, keep it in memory for the worker (best effort) and go on."""
        try:
            with pymongo.timeout(OUTBOX_WRITE_TIMEOUT_S):
                await self.write(occurrence)
        except Exception:
            log.exception("webhook outbox unavailable; event kept in memory", extra={"event": occurrence.event})
            self.unwritten.append(occurrence)

    async def write(self, occurrence: Occurrence) -> None:
        hooks = [h for h in await self._tenant_hooks(occurrence.owner_id, occurrence.company_id)
                 if occurrence.event in h["events"]]
        if not hooks:
            return
        body = occurrence.body()
        for hook in hooks:
            await self.store.enqueue(new_delivery(hook, event=occurrence.event, meeting_id=occurrence.meeting_id,
                                                  body=body, occurrence=occurrence.key, now_ms=now_ms()))
        self.worker.poke()

    async def write_unwritten(self) -> None:
        while self.unwritten:
            occurrence = self.unwritten[0]
            await self.write(occurrence)  # raises while the database is still down: tried again next round
            self.unwritten.popleft()

    async def _tenant_hooks(self, owner_id: int | None, company_id: int | None) -> list[Hook]:
        key = (owner_id, company_id)
        cached = self.cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_TTL_S:
            return cached[1]
        generation = self.generation
        hooks = await self.store.active_for_tenant(owner_id, company_id)
        if generation == self.generation:
            self.cache[key] = (time.monotonic(), hooks)
        return hooks

    def _forget(self) -> None:
        self.generation += 1
        self.cache.clear()


WEBHOOKS = web.AppKey("webhooks", WebhookService)
