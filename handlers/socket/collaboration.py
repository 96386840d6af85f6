"""Polls, Q&A, shared notes, breakout rooms and the streaming flag (contract §4.7–4.9).

Each handler looks up the caller's seat, makes one call on ``Meeting``
(``store/rooms/collab.py`` holds every rule) and publishes what it returned.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.socket.base import SliceNamespace
from server.meetings import MeetingService, now_ms
from store.rooms import Meeting
from store.rooms.events import MeetingEvent
from store.rooms.ids import Sid

Outcome = MeetingEvent | list[MeetingEvent] | None


class CollaborationEvents(SliceNamespace):
    meetings: MeetingService

    async def _act(self, sid: str, action: Callable[[Meeting, Sid], Outcome]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        outcome = action(meeting, Sid(sid))
        events = outcome if isinstance(outcome, list) else [] if outcome is None else [outcome]
        if events:
            await self.meetings.apply(meeting, events)

    async def on_poll_create(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.create_poll(s, data.get("question"), data.get("options"), now_ms()))

    async def on_poll_vote(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.vote(s, data.get("pollId"), data.get("optionId")))

    async def on_poll_end(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.end_poll(s, data.get("pollId")))

    async def on_qa_ask(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.ask(s, data.get("text"), now_ms()))

    async def on_qa_upvote(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.upvote(s, data.get("questionId")))

    async def on_qa_answer(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.answer(s, data.get("questionId"), data.get("answer")))

    async def on_qa_dismiss(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.dismiss(s, data.get("questionId")))

    async def on_notes_update(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.update_notes(s, data.get("content"), now_ms()))

    async def on_breakout_create(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.open_breakouts(s, data.get("rooms")))

    async def on_breakout_assign(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.assign_breakouts(s, data.get("assignments")))

    async def on_breakout_join(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.join_breakout(s, data.get("roomId")))

    async def on_breakout_leave(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.leave_breakout(s))

    async def on_breakout_broadcast(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.broadcast_to_breakouts(s, data.get("message"), now_ms()))

    async def on_breakout_close(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.close_breakouts(s))

    async def on_stream_start(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.start_stream(s, data.get("url"), now_ms()))

    async def on_stream_stop(self, sid: str, data: dict[str, Any]) -> None:
        await self._act(sid, lambda m, s: m.stop_stream(s))
