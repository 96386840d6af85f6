"""Joining, leaving and the waiting room: ``join-meeting``, ``waiting-room:*``, ``disconnect``."""
from __future__ import annotations

import asyncio
from typing import Any

from handlers.socket.base import SliceNamespace
from server.meetings import MeetingService, now_ms
from store.rooms import Meeting
from store.rooms.ids import Sid


class JoinEvents(SliceNamespace):
    meetings: MeetingService
    idle_timeout: float
    idle: dict[str, asyncio.TimerHandle]

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self._arm_idle_timer(sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.windows.forget(sid)
        timer = self.idle.pop(sid, None)
        if timer is not None:
            timer.cancel()
        await self._vacate(Sid(sid))

    async def on_join_meeting(self, sid: str, data: dict[str, Any]) -> None:
        registry = self.meetings.registry
        meeting = registry.get(data.get("meetingId"))
        seat = registry.lookup_sid(Sid(sid))
        if seat is not None and seat[0] is not meeting:
            await self._vacate(Sid(sid))  # one socket, one meeting: joining another leaves the first
        invite = data.get("invite", data.get("inviteToken"))
        event = meeting.join(
            Sid(sid), data.get("name"), now_ms=now_ms(), is_admin=data.get("isAdmin"),
            admin_token=data.get("adminToken"), invite_token=invite,
        )
        self._disarm_idle_timer(sid)
        await self.meetings.apply(meeting, [event])

    async def on_leave_meeting(self, sid: str, data: dict[str, Any]) -> None:
        """Not in onepizza (leaving there is a disconnect); lets a client leave and stay connected."""
        await self._vacate(Sid(sid))
        self._arm_idle_timer(sid)

    async def on_waiting_room_join(self, sid: str, data: dict[str, Any]) -> None:
        meeting = self.meetings.registry.get(data.get("meetingId"))
        event = meeting.waiting_join(Sid(sid), data.get("name"), now_ms())
        if not getattr(event, "bypassed", False):
            self._disarm_idle_timer(sid)
        await self.meetings.apply(meeting, [event])

    async def on_waiting_room_admit(self, sid: str, data: dict[str, Any]) -> None:
        meeting = self.meetings.registry.get(data.get("meetingId"))
        await self.meetings.apply(meeting, [meeting.admit(Sid(sid), data.get("socketId"))])

    async def on_waiting_room_deny(self, sid: str, data: dict[str, Any]) -> None:
        meeting = self.meetings.registry.get(data.get("meetingId"))
        await self.meetings.apply(meeting, [meeting.deny(Sid(sid), data.get("socketId"))])

    async def _vacate(self, sid: Sid) -> None:
        registry = self.meetings.registry
        seat = registry.lookup_sid(sid)
        meeting: Meeting | None = seat[0] if seat else registry.queued_in(sid)
        events = registry.disconnect(sid, now_ms())
        if events:
            await self.meetings.apply(meeting, events)

    def _arm_idle_timer(self, sid: str) -> None:
        self._disarm_idle_timer(sid)
        loop = asyncio.get_running_loop()
        self.idle[sid] = loop.call_later(self.idle_timeout, lambda: loop.create_task(self._idle_check(sid)))

    def _disarm_idle_timer(self, sid: str) -> None:
        timer = self.idle.pop(sid, None)
        if timer is not None:
            timer.cancel()

    async def _idle_check(self, sid: str) -> None:
        self.idle.pop(sid, None)
        registry = self.meetings.registry
        if registry.lookup_sid(Sid(sid)) is None and registry.queued_in(Sid(sid)) is None:
            await self.disconnect(sid)
