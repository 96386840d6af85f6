"""WebRTC signalling, relayed only to the addressed participant of the sender's own meeting.

While breakout rooms are open, a signal between peers in different rooms is dropped silently
(``Meeting.signal_target``), as in the original: an error per ICE candidate would only be noise.
"""
from __future__ import annotations

from typing import Any

from handlers.socket.base import SliceNamespace
from server.meetings import MeetingService
from store.rooms.ids import Sid


class SignalEvents(SliceNamespace):
    meetings: MeetingService

    async def _relay(self, sid: str, data: dict[str, Any], event: str, field: str) -> None:
        meeting, sender = self.meetings.registry.by_sid(Sid(sid))
        target = meeting.signal_target(sender, data.get("to"))
        if target is not None:
            await self.emit(event, {"from": sender.id, field: data.get(field)}, to=target.sid)

    async def on_signal_offer(self, sid: str, data: dict[str, Any]) -> None:
        await self._relay(sid, data, "signal:offer", "offer")

    async def on_signal_answer(self, sid: str, data: dict[str, Any]) -> None:
        await self._relay(sid, data, "signal:answer", "answer")

    async def on_signal_ice_candidate(self, sid: str, data: dict[str, Any]) -> None:
        await self._relay(sid, data, "signal:ice-candidate", "candidate")
