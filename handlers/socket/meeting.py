"""Joining, leaving and the waiting room: ``join-meeting``, ``waiting-room:*``, ``disconnect``."""
from __future__ import annotations

from typing import Any

from handlers.http.request import SESSION_COOKIE
from handlers.socket.base import SliceNamespace
from handlers.socket.idle import IdleSockets
from server.meetings import MeetingService, now_ms
from server.socket_users import socket_account
from store.rooms import Meeting
from store.rooms.ids import Sid


class JoinEvents(SliceNamespace):
    meetings: MeetingService
    idle: IdleSockets

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        # Only a handshake that carries credentials costs a lookup; a disabled account is refused.
        request = environ.get("aiohttp.request")
        session_id = request.cookies.get(SESSION_COOKIE) if request is not None else None
        api_key = auth.get("apiKey") if isinstance(auth, dict) else None
        if not isinstance(api_key, str):
            api_key = request.headers.get("x-api-key") if request is not None else None
        if session_id or api_key:
            user_id = await socket_account(self.meetings.s, session_id, api_key)
            if user_id is not None:
                self.meetings.s.socket_users.bind(sid, user_id)
        self.idle.connected(sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.meetings.s.socket_users.forget(sid)
        self.windows.forget(sid)
        self.idle.gone(sid)
        await self._vacate(Sid(sid))

    async def on_join_meeting(self, sid: str, data: dict[str, Any]) -> None:
        joined, left, left_events = self.meetings.registry.join(
            Sid(sid), data.get("meetingId"), data.get("name"), now_ms=now_ms(), is_admin=data.get("isAdmin"),
            admin_token=data.get("adminToken"), invite_token=data.get("invite", data.get("inviteToken")),
        )
        if left_events:
            await self.meetings.apply(left, left_events)  # one socket, one meeting: the first is left
        await self.meetings.apply(self.meetings.registry.get(joined.meeting_id), [joined])

    async def on_leave_meeting(self, sid: str, data: dict[str, Any]) -> None:
        """Not in onepizza (leaving there is a disconnect); lets a client leave and stay connected."""
        await self._vacate(Sid(sid))

    async def on_waiting_room_join(self, sid: str, data: dict[str, Any]) -> None:
        meeting = self.meetings.registry.get(data.get("meetingId"))
        event = meeting.waiting_join(Sid(sid), data.get("name"), now_ms())
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

    def has_place(self, sid: str) -> bool:
        """In a meeting or in a waiting room (admitted included): not idle."""
        registry = self.meetings.registry
        return registry.lookup_sid(Sid(sid)) is not None or registry.queued_in(Sid(sid)) is not None
