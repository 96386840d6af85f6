"""/admin/api/meetings: the live meetings of this process, ending one, and the history log."""
from __future__ import annotations

from aiohttp import web

from handlers.http.admin import admin_service
from handlers.http.request import admin_caller
from server.meetings import MEETINGS
from store.errors import NotFound
from store.rooms import Meeting, MeetingStatus

routes = web.RouteTableDef()
LIMIT_DEFAULT, LIMIT_MAX = 100, 500


def _int_query(request: web.Request, name: str, default: int) -> int:
    """parseInt semantics of the original: garbage means the default."""
    raw = request.query.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else default


def _entry(meeting: Meeting) -> dict[str, object]:
    return {
        "meetingId": meeting.id, "title": meeting.title, "createdAt": meeting.created_at_ms,
        "participantCount": len(meeting.participants),
        "participants": [{"participantId": p.id, "name": p.name, "isMuted": p.is_muted, "isVideoOff": p.is_video_off}
                         for p in meeting.participants.values()],
        "settings": meeting.settings.to_wire(),
    }


@routes.get("/admin/api/meetings")
async def list_meetings(request: web.Request) -> web.Response:
    await admin_caller(request)
    limit = min(_int_query(request, "limit", LIMIT_DEFAULT) or LIMIT_DEFAULT, LIMIT_MAX)
    offset = _int_query(request, "offset", 0)
    active = [m for m in request.app[MEETINGS].registry if m.status is MeetingStatus.ACTIVE]
    return web.json_response({"meetings": [_entry(m) for m in active[offset:offset + limit]], "total": len(active)})


@routes.get("/admin/api/meetings/history")
async def history(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"meetings": await admin_service(request).history()})


@routes.delete("/admin/api/meetings/{meeting_id}")
async def end_meeting(request: web.Request) -> web.Response:
    await admin_caller(request)
    service = request.app[MEETINGS]
    meeting_id = request.match_info["meeting_id"]
    if meeting_id not in service.registry or service.registry.get(meeting_id).status is not MeetingStatus.ACTIVE:
        raise NotFound("Meeting not found", code="meeting_not_found")
    await service.end(meeting_id, "Meeting ended by administrator")
    return web.json_response({"message": "Meeting ended"})
