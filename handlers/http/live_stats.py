"""GET /api/meetings/:id/live-stats: KCS's live meeting statistics, from the SFU's own counters.

Who may read them: the meeting's tenant (its owner's or company's ``x-api-key`` or session) or
its host (``x-admin-token``), as for the polls and notes. The document keeps KCS's field names
(``snake_case``, without KCS's ``{success, data}`` wrapper, like the recordings list). Only an
``sfu`` meeting's media passes through the server; a ``mesh`` meeting (or an ``sfu`` meeting
nobody has connected media to yet) answers with its participants, zero media and null quality.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from handlers.http.collaboration import member_meeting
from server.media import MEDIA
from server.meetings import now_ms
from store.rooms import Meeting
from store.rooms.settings import MediaMode
from store.rooms.timefmt import iso_utc

routes = web.RouteTableDef()


@routes.get("/api/meetings/{meeting_id}/live-stats")
async def live_stats(request: web.Request) -> web.Response:
    meeting, _ = await member_meeting(request)
    figures = None
    if meeting.settings.media_mode is MediaMode.SFU:
        figures = await request.app[MEDIA].stats(meeting.id)
    return web.json_response(live_stats_document(meeting, figures, now_ms()))


def live_stats_document(meeting: Meeting, figures: dict[str, Any] | None, at_ms: int) -> dict[str, Any]:
    """KCS's document from the media worker's figures (``media/stats.py``), or its empty form."""
    media = figures or {}
    kinds = media.get("producersByKind") or {}
    return {
        "meeting_id": meeting.id,
        "timestamp": iso_utc(at_ms),
        "media_mode": meeting.settings.media_mode.value,
        "active_participants": len(meeting.participants),
        "media_participants": media.get("participants", 0),
        "publishers": media.get("publishers", 0),
        "producers": media.get("producers", 0),
        "producers_by_kind": {kind: kinds.get(kind, 0) for kind in ("audio", "video", "screen")},
        "consumers": media.get("consumers", 0),
        "bitrate": {"incoming": media.get("bitrateIn", 0), "outgoing": media.get("bitrateOut", 0)},
        "packet_rate": {"incoming": media.get("packetsInPerSecond", 0), "outgoing": media.get("packetsOutPerSecond", 0)},
        "quality_stats": {
            "average_rtt": media.get("averageRttMs"),
            "packet_loss_rate": media.get("packetLossRate"),
            "jitter": media.get("jitterMs"),
        },
        "window_seconds": media.get("windowSeconds", 0),
    }
