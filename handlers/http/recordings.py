"""Server-side recordings: start and stop (the host), list, download and delete (the meeting's owner).

- start / stop: ``x-admin-token`` of a running ``sfu`` meeting (a mesh meeting is 409 ``not_sfu``:
  its media never reaches the server). The room hears ``recording:started`` before anything is
  written and ``recording:stopped`` once every file is closed, as with the socket events.
- list: the host (while the meeting runs), all of the meeting's files; otherwise the files of
  meetings the caller's account or company owns, also after the meeting has ended.
- download, delete: the meeting's owner account or company only (key or session). Files are
  found by id; their paths are built from server-made ids, never from anything a client sent.
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from handlers.http.meetings import hosted_meeting, token_meeting
from handlers.http.request import api_key_or_session_caller, json_body, optional_caller, services, text_field
from server.background import BACKGROUND
from server.recordings import RECORDINGS, RecordingService, media_type
from store.errors import NotFound
from store.mongo.recordings import RecordingRow
from store.rooms.shared_files import attachment_disposition
from store.rooms.timefmt import iso_utc

routes = web.RouteTableDef()

FILE_ID = re.compile(r"^[0-9a-f]{24}$")
HOST_NAME_FIELD_MAX = 1000  # longer is refused; the name is then cut to 60


def recorder(request: web.Request) -> RecordingService:
    return request.app[RECORDINGS]


def listing(row: RecordingRow, recordings: RecordingService) -> dict[str, Any]:
    """One file, in the shape of KCS's "Get Meeting Recordings" with onepizza's naming."""
    path = recordings.path_of(row)
    return {
        "id": row["_id"],
        "meeting_id": row["meeting_id"],
        "recording_id": row["recording_id"],
        "participant_id": row["participant_id"],
        "participant_name": row["participant_name"],
        "recording_type": row["kind"],
        "source": row["source"],
        "format": row["format"],
        "codec": row["codec"],
        "width": row["width"],
        "height": row["height"],
        "file_size_bytes": row["size_bytes"],
        "duration_seconds": row["duration_ms"] / 1000,
        "offset_seconds": row["offset_ms"] / 1000,
        "started_at": iso_utc(row["started_at_ms"]),
        "ended_at": iso_utc(row["ended_at_ms"]),
        "started_by": row["started_by"],
        "is_available": path is not None and path.is_file(),
        "download_count": row.get("download_count", 0),
        "download_url": f"/api/recordings/{row['_id']}/download",
    }


async def _owned_row(request: web.Request) -> RecordingRow:
    caller = await api_key_or_session_caller(request)
    file_id = request.match_info["recording_id"]
    row = await services(request).recordings.get(file_id) if FILE_ID.match(file_id) else None
    if row is None or not caller.owns(row.get("owner_id"), row.get("owner_company_id")):
        raise NotFound("Recording not found", code="recording_not_found")
    return row


@routes.post("/api/meetings/{meeting_id}/recordings/start")
async def start(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    host_name = text_field(await json_body(request), "hostName", max_len=HOST_NAME_FIELD_MAX)
    session = await recorder(request).start(meeting, None, host_name)
    return web.json_response({"recordingId": session.recording_id, "meetingId": meeting.id,
                              "hostName": session.host_name, "startedAt": iso_utc(session.started_at_ms)},
                             status=201)


@routes.post("/api/meetings/{meeting_id}/recordings/stop")
async def stop(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    recording_id, rows = await recorder(request).stop(meeting, None)
    return web.json_response({"recordingId": recording_id,
                              "recordings": [listing(row, recorder(request)) for row in rows]})


@routes.get("/api/meetings/{meeting_id}/recordings")
async def list_recordings(request: web.Request) -> web.Response:
    caller = await optional_caller(request)
    hosted = token_meeting(request)
    if caller is None and hosted is None:
        caller = await api_key_or_session_caller(request)  # raises the usual 401
    rows = await services(request).recordings.of_meeting(request.match_info["meeting_id"])
    if hosted is None:
        assert caller is not None
        rows = [row for row in rows if caller.owns(row.get("owner_id"), row.get("owner_company_id"))]
    return web.json_response({"recordings": [listing(row, recorder(request)) for row in rows]})


@routes.get("/api/recordings/{recording_id}/download")
async def download(request: web.Request) -> web.StreamResponse:
    row = await _owned_row(request)
    path = recorder(request).path_of(row)
    if path is None or not path.is_file():
        raise NotFound("Recording file not found on disk", code="file_missing")
    request.app[BACKGROUND].spawn(services(request).recordings.count_download(row["_id"]))
    name = f"recording-{row['meeting_id']}-{row['kind']}-{row['source']}-{row['_id'][:8]}.{row['format']}"
    return web.FileResponse(path, headers={
        "Content-Type": media_type(row),
        "Content-Disposition": attachment_disposition(name),
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store",
    })


@routes.delete("/api/recordings/{recording_id}")
async def delete(request: web.Request) -> web.Response:
    row = await _owned_row(request)
    await recorder(request).delete(row)
    return web.json_response({"message": "Recording deleted"})
