"""The server's own recording: ``recording:start`` and ``recording:stop`` (docs/PROTOCOL.md §10), host only.

Not the notice of ``recording:broadcast-*`` (the browser records, the server only tells the
room): here the SFU writes every participant's tracks to files the meeting's owner can download.
"""
from __future__ import annotations

from typing import Any

from handlers.socket.base import SliceNamespace
from server.meetings import MeetingService
from server.recordings import RecordingService
from store.rooms.ids import Sid


class RecordingEvents(SliceNamespace):
    meetings: MeetingService
    recordings: RecordingService

    async def on_recording_start(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        session = await self.recordings.start(meeting, sid, data.get("hostName"))
        return {"ok": True, "recordingId": session.recording_id}

    async def on_recording_stop(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        recording_id, rows = await self.recordings.stop(meeting, sid)
        return {"ok": True, "recordingId": recording_id, "files": len(rows)}
