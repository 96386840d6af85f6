"""/api/meetings: create (keyed and guest), list, read, end, settings, lock, invites, host controls, history."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from handlers.http.limits import limit
from handlers.http.request import (
    Caller,
    api_key_caller,
    api_key_or_session_caller,
    client_ip,
    json_body,
    query_int,
    text_field,
)
from server.meetings import MEETINGS, MeetingService, now_ms, persist_now
from store.errors import InvalidInput, NotFound
from store.mongo.database import iso
from store.numbers import whole_number
from store.rooms import Meeting, MeetingNotFound, MeetingStatus, wire
from store.rooms.billing import format_usd
from store.rooms.timefmt import iso_utc

routes = web.RouteTableDef()

HISTORY_DEFAULT, HISTORY_MAX = 50, 200

SETTING_KEYS = ("muteOnJoin", "videoOffOnJoin", "maxParticipants", "waitingRoom", "mediaMode")
BAD_DATE = "Invalid scheduledAt date format. Use ISO 8601 (e.g. 2026-03-20T14:00:00Z)"
# 9999-12-31T23:59:59.999Z: a later (or non-finite) instant cannot be answered as an ISO date.
LAST_DATE_MS = 253_402_300_799_999


def service(request: web.Request) -> MeetingService:
    return request.app[MEETINGS]


def owns(caller: Caller, meeting: Meeting) -> bool:
    return caller.owns(meeting.owner_id, meeting.owner_company_id)


def visible_meeting(request: web.Request, caller: Caller) -> Meeting:
    """Another tenant's meeting looks exactly like a missing one."""
    meeting = service(request).registry.get(request.match_info["meeting_id"])
    token = request.headers.get("x-admin-token")
    if not owns(caller, meeting) and not (token and meeting.admin_token_matches(token)):
        raise NotFound("Meeting not found", code="meeting_not_found")
    return meeting


async def hosted_meeting(request: web.Request, *, active_only: bool = True) -> Meeting:
    """Host routes: an x-api-key, if sent, must be valid; the x-admin-token is what authorises."""
    if "x-api-key" in request.headers:
        await api_key_caller(request)
    meeting = service(request).registry.get(request.match_info["meeting_id"])
    if active_only and meeting.status is not MeetingStatus.ACTIVE:
        raise NotFound("Meeting not found", code="meeting_not_found")
    meeting.require_admin_token(request.headers.get("x-admin-token"))
    return meeting


def token_meeting(request: web.Request) -> Meeting | None:
    """The running meeting whose ``x-admin-token`` the request carries, if any (no error: for routes
    an owner may also use without a token)."""
    token = request.headers.get("x-admin-token")
    if not token:
        return None
    try:
        meeting = service(request).registry.get(request.match_info["meeting_id"])
    except MeetingNotFound:
        return None
    return meeting if meeting.status is MeetingStatus.ACTIVE and meeting.admin_token_matches(token) else None


def parse_scheduled_at(raw: Any) -> int | None:
    if raw is None or raw == "" or raw is False:
        return None
    if isinstance(raw, bool):
        raise InvalidInput(BAD_DATE, code="invalid_date")
    if isinstance(raw, (int, float)):
        if not abs(raw) <= LAST_DATE_MS:  # also NaN and ±Infinity, which Python's JSON parser lets through
            raise InvalidInput(BAD_DATE, code="invalid_date")
        return int(raw)
    if not isinstance(raw, str) or len(raw) > 64:
        raise InvalidInput(BAD_DATE, code="invalid_date")
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(BAD_DATE, code="invalid_date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ms = int(when.timestamp() * 1000)
    if ms > LAST_DATE_MS:  # "9999-12-31T23:59:59-01:00" is in year 10000
        raise InvalidInput(BAD_DATE, code="invalid_date")
    return ms


def settings_from_body(body: dict[str, Any]) -> dict[str, Any]:
    settings = {key: body[key] for key in SETTING_KEYS if body.get(key) is not None}
    value = settings.get("maxParticipants")
    if isinstance(value, str) and whole_number(value.strip().removeprefix("-"), max_digits=12) is not None:
        settings["maxParticipants"] = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        settings["maxParticipants"] = int(value)
    return settings


def created(meeting: Meeting, admin_token: str, *, guest: bool = False) -> web.Response:
    body: dict[str, Any] = {
        "meetingId": meeting.id, "adminToken": admin_token, "joinUrl": f"/join/{meeting.id}", "title": meeting.title,
    }
    if not guest:
        if meeting.scheduled_at_ms is not None and meeting.status is MeetingStatus.SCHEDULED:
            body["scheduledAt"] = iso_utc(meeting.scheduled_at_ms)
        body["status"] = meeting.status.value
        body["settings"] = meeting.settings.to_wire()
    return web.json_response(body, status=201)


@routes.post("/api/meetings/guest")
async def create_guest(request: web.Request) -> web.Response:
    await limit(request, "guest")
    title = text_field(await json_body(request), "title", max_len=10_000)
    meeting, token = await service(request).create(
        title=title, settings={}, scheduled_at_ms=None, owner_id=None, owner_company_id=None, guest=True
    )
    request.app.logger.debug("guest meeting created by %s", client_ip(request))
    return created(meeting, token, guest=True)


@routes.post("/api/meetings")
async def create_meeting(request: web.Request) -> web.Response:
    caller = await api_key_or_session_caller(request)
    body = await json_body(request)
    title = text_field(body, "title", max_len=10_000)
    scheduled_at = parse_scheduled_at(body.get("scheduledAt"))
    meeting, token = await service(request).create(
        title=title, settings=settings_from_body(body), scheduled_at_ms=scheduled_at,
        owner_id=caller.user_id, owner_company_id=caller.company_id,
    )
    return created(meeting, token)


@routes.get("/api/meetings")
async def list_meetings(request: web.Request) -> web.Response:
    caller = await api_key_or_session_caller(request)
    mine = [m for m in service(request).registry if owns(caller, m)]
    return web.json_response({"meetings": [wire.meeting_summary(m) for m in mine]})


@routes.get("/api/meetings/scheduled/list")
async def list_scheduled(request: web.Request) -> web.Response:
    caller = await api_key_or_session_caller(request)
    meetings = [m for m in service(request).registry if owns(caller, m) and m.status is MeetingStatus.SCHEDULED]
    return web.json_response({"meetings": [
        {"meetingId": m.id, "title": m.title, "scheduledAt": iso_utc(m.scheduled_at_ms or 0),
         "status": m.status.value, "createdAt": m.created_at_ms}
        for m in meetings
    ]})


@routes.get("/api/meetings/history")
async def history(request: web.Request) -> web.Response:
    caller = await api_key_or_session_caller(request)
    limit = query_int(request, "limit", 1, HISTORY_MAX, f"limit must be an integer from 1 to {HISTORY_MAX}")
    before = query_int(request, "before", 1, 10**18, "before must be a history id")
    rows = await service(request).s.meetings.history(caller.user_id, caller.company_id, limit or HISTORY_DEFAULT,
                                                     before)
    return web.json_response({"meetings": [
        {
            "id": row["_id"], "meeting_id": row["meeting_id"], "title": row["title"],
            "started_at": iso(row["started_at"]), "ended_at": iso(row.get("ended_at")),
            "duration_minutes": None if row.get("duration_centiminutes") is None
            else f"{row['duration_centiminutes'] // 100}.{row['duration_centiminutes'] % 100:02d}",
            "peak_participants": row.get("peak_participants", 0),
            "cost_usd": format_usd(row.get("cost_micros", 0)),
        }
        for row in rows
    ]})


@routes.get("/api/meetings/{meeting_id}")
async def get_meeting(request: web.Request) -> web.Response:
    caller = await api_key_or_session_caller(request)
    return web.json_response(wire.meeting_detail(visible_meeting(request, caller)))


@routes.delete("/api/meetings/{meeting_id}")
async def end_meeting(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request, active_only=False)
    scheduled = meeting.status is MeetingStatus.SCHEDULED
    await service(request).end(meeting.id, "Meeting ended by admin")
    return web.json_response({"message": "Scheduled meeting cancelled" if scheduled else "Meeting ended"})


@routes.patch("/api/meetings/{meeting_id}/settings")
async def update_settings(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    event = meeting.update_settings(await json_body(request))
    await service(request).apply(meeting, [event])
    return web.json_response({"settings": meeting.settings.to_wire(), "title": meeting.title})


@routes.post("/api/meetings/{meeting_id}/lock")
async def lock(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    await service(request).apply(meeting, [meeting.lock()])
    return web.json_response({"locked": True})


@routes.post("/api/meetings/{meeting_id}/unlock")
async def unlock(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    await service(request).apply(meeting, [meeting.unlock()])
    return web.json_response({"locked": False})


@routes.post("/api/meetings/{meeting_id}/invite")
async def invite(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    name = (text_field(await json_body(request), "name", max_len=1000) or "").strip()[:60]
    token = meeting.create_invite(now_ms(), service(request).s.settings.invite_ttl_seconds * 1000)
    await persist_now(service(request), meeting)
    return web.json_response({
        "joinUrl": f"/join/{meeting.id}?invite={token}&name={quote(name, safe='')}",
        "inviteToken": token,
    })


@routes.post("/api/meetings/{meeting_id}/mute-all")
async def mute_all(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    await service(request).apply(meeting, [meeting.mute_all()])
    return web.json_response({"message": "All participants muted"})


async def _set_muted(request: web.Request, muted: bool) -> web.Response:
    meeting = await hosted_meeting(request)
    participant = meeting.participant(request.match_info["participant_id"])
    event = meeting.mute(participant.id) if muted else meeting.unmute(participant.id)
    await service(request).publisher.sio.emit("admin:mute" if muted else "admin:unmute", to=participant.sid)
    await service(request).apply(meeting, [event])
    return web.json_response({"message": f"{participant.name} {'muted' if muted else 'unmuted'}"})


@routes.post("/api/meetings/{meeting_id}/participants/{participant_id}/mute")
async def mute(request: web.Request) -> web.Response:
    return await _set_muted(request, True)


@routes.post("/api/meetings/{meeting_id}/participants/{participant_id}/unmute")
async def unmute(request: web.Request) -> web.Response:
    return await _set_muted(request, False)


@routes.post("/api/meetings/{meeting_id}/participants/{participant_id}/kick")
async def kick(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    reason = text_field(await json_body(request), "reason", max_len=10_000)
    participant = meeting.participant(request.match_info["participant_id"])
    await service(request).apply(meeting, meeting.kick(participant.id, reason, now_ms()))
    return web.json_response({"message": f"{participant.name} kicked"})
