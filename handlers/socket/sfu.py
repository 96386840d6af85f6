"""SFU signaling: ``sfu:offer``, ``sfu:answer``, ``sfu:ice-candidate`` (docs/PROTOCOL.md §9).

The media worker answers on its own (``sfu:answer``, ``sfu:offer``, ``sfu:track-added``, …,
relayed by ``server/media.py``); these handlers only check the caller and the payload.
"""
from __future__ import annotations

from typing import Any

from handlers.socket.base import SliceNamespace
from server.media import MediaService
from server.meetings import MeetingService
from store.rooms.errors import ValidationError
from store.rooms.ids import Sid

SDP_MAX = 128 * 1024        # characters; a 50-participant renegotiation is well under this
CANDIDATE_MAX = 1024
SOURCES_MAX = 16


def _sdp(data: dict[str, Any]) -> str:
    sdp = data.get("sdp")
    if not isinstance(sdp, str) or not sdp.strip():
        raise ValidationError("sdp must be a non-empty string")
    if len(sdp) > SDP_MAX:
        raise ValidationError(f"sdp is longer than {SDP_MAX} characters")
    return sdp


def _sources(data: dict[str, Any]) -> dict[str, str]:
    sources = data.get("sources", {})
    if sources is None:
        return {}
    if not isinstance(sources, dict) or len(sources) > SOURCES_MAX:
        raise ValidationError(f"sources must be an object of at most {SOURCES_MAX} track ids")
    if not all(isinstance(k, str) and len(k) <= 256 and isinstance(v, str) and len(v) <= 32 for k, v in sources.items()):
        raise ValidationError("sources maps track ids to 'microphone', 'camera', 'screen' or 'screen-audio'")
    return dict(sources)


def _candidate(data: dict[str, Any]) -> dict[str, Any] | None:
    candidate = data.get("candidate")
    if candidate is None:
        return None
    if not isinstance(candidate, dict):
        raise ValidationError("candidate must be an object or null")
    text = candidate.get("candidate")
    mid = candidate.get("sdpMid")
    index = candidate.get("sdpMLineIndex")
    if not isinstance(text, str) or len(text) > CANDIDATE_MAX:
        raise ValidationError("candidate.candidate must be a string")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 64):
        raise ValidationError("candidate.sdpMid must be a string")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1024):
        raise ValidationError("candidate.sdpMLineIndex must be a small integer")
    if mid is None and index is None and text:
        raise ValidationError("candidate needs sdpMid or sdpMLineIndex")
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}


class SfuEvents(SliceNamespace):
    meetings: MeetingService
    media: MediaService

    async def on_sfu_offer(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        sdp, sources = _sdp(data), _sources(data)
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        me = meeting.sfu_member(Sid(sid))
        taken = await self.media.offer(meeting, str(me.id), sid, sdp, sources)
        return {"ok": True, "taken": taken}

    async def on_sfu_answer(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        sdp = _sdp(data)
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        me = meeting.sfu_member(Sid(sid))
        taken = await self.media.answer(meeting, str(me.id), sdp)
        return {"ok": True, "taken": taken}

    async def on_sfu_ice_candidate(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        candidate = _candidate(data)
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        me = meeting.sfu_member(Sid(sid))
        await self.media.ice(meeting, str(me.id), candidate)
        return {"ok": True}
