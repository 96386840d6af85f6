"""/api/meetings/:id/files: files shared in a meeting's chat (contract §3.7).

Who may do what (the original let any key list and download every file; see
docs/COMPATIBILITY.md):
- upload: the meeting's tenant (key or session) or its host (``x-admin-token``),
  while the meeting runs; the room gets ``chat:file`` with a signed link;
- list: the host, all of the meeting's files; a tenant, the files of its own
  meetings and the ones it uploaded (so after the meeting has ended, too);
- download: the same callers, or anyone holding a signed link from ``chat:file``.
"""
from __future__ import annotations

from aiohttp import BodyPartReader, MultipartReader, web

from handlers.http.collaboration import member_meeting, publish
from handlers.http.meetings import token_meeting
from handlers.http.request import Caller, api_key_or_session_caller, optional_caller, services
from server.files import FileVault
from server.meetings import now_ms
from store.errors import Conflict, Forbidden, InvalidInput, NotFound
from store.mongo.database import iso
from store.mongo.files import FileRow
from store.numbers import whole_number
from store.rooms import MeetingStatus
from store.rooms.shared_files import (
    FILES_PER_MEETING,
    NO_FILE,
    TOO_MANY,
    attachment_disposition,
    media_type,
    original_name,
    sender_name,
)

routes = web.RouteTableDef()

MAX_PARTS = 10
FIELD_MAX_BYTES = 1024


def _unexpected() -> InvalidInput:
    return InvalidInput("Unexpected field", code="unexpected_field")


def listing(row: FileRow, vault: FileVault) -> dict[str, object]:
    return {"id": row["_id"], "original_name": row["original_name"], "size_bytes": row["size_bytes"],
            "mime_type": row["mime_type"], "participant_name": row["participant_name"],
            "created_at": iso(row["created_at"]), "downloadUrl": vault.link(row["_id"])}


def tenant_of(caller: Caller, row: FileRow) -> bool:
    return caller.user_id == row["uploader_id"] or caller.owns(row["owner_id"], row["owner_company_id"])


async def _form(request: web.Request) -> tuple[str, str, str, int, str]:
    """The upload's parts: (stored name, original name, media type, size, sender). Multer's rules and
    texts: one ``file`` part, an optional ``participantName``; other text fields are ignored."""
    if request.content_type != "multipart/form-data":
        raise InvalidInput(NO_FILE, code="no_file")
    vault = services(request).vault
    stored: tuple[str, str, str, int] | None = None
    sender: str | None = None
    try:
        reader = await request.multipart()
        for _ in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                break
            if isinstance(part, MultipartReader):
                raise _unexpected()
            if part.filename is not None:  # a file part
                if part.name != "file" or stored is not None:
                    raise _unexpected()
                mime = media_type(part.headers.get("Content-Type"))
                name, size = await vault.receive(part)
                stored = (name, original_name(part.filename), mime, size)
            elif part.name == "participantName":
                sender = sender_name(await _text(part))
            else:
                await part.release()
        else:
            raise InvalidInput("Too many parts", code="too_many_parts")
    except BaseException:
        if stored is not None:
            await vault.discard(stored[0])
        raise
    if stored is None:
        raise InvalidInput(NO_FILE, code="no_file")
    return *stored, sender if sender is not None else sender_name(None)


async def _text(part: BodyPartReader) -> str:
    raw = await part.read_chunk(FIELD_MAX_BYTES + 1)
    if len(raw) > FIELD_MAX_BYTES or await part.read_chunk(1):
        raise InvalidInput("Field value too long", code="field_too_long")
    return raw.decode("utf-8", "replace")


@routes.post("/api/meetings/{meeting_id}/files")
async def upload(request: web.Request) -> web.Response:
    meeting, caller = await member_meeting(request)
    s = services(request)
    if await s.files.count_of_meeting(meeting.id) >= FILES_PER_MEETING:
        raise Conflict(TOO_MANY, code="too_many_files")
    try:
        stored, name, mime, size, sender = await _form(request)
    except ValueError:  # aiohttp's multipart parser: a malformed body
        raise InvalidInput("Malformed multipart body", code="malformed_multipart") from None
    if meeting.status is not MeetingStatus.ACTIVE:  # it ended while the bytes were arriving
        await s.vault.discard(stored)
        raise NotFound("Meeting not found", code="meeting_not_found")
    row = await s.files.add(
        meeting_id=meeting.id, owner_id=meeting.owner_id, owner_company_id=meeting.owner_company_id,
        uploader_id=caller.user_id if caller is not None else None, participant_name=sender, original_name=name,
        stored_name=stored, size_bytes=size, mime_type=mime,
    )
    await publish(request, meeting, meeting.share_file(row["_id"], name, size, mime, sender, now_ms(),
                                                       s.vault.link(row["_id"])))
    return web.json_response({"id": row["_id"], "original_name": name, "size_bytes": size, "mime_type": mime,
                              "created_at": iso(row["created_at"])}, status=201)


@routes.get("/api/meetings/{meeting_id}/files")
async def list_files(request: web.Request) -> web.Response:
    s = services(request)
    caller = await optional_caller(request)
    hosted = token_meeting(request)
    if caller is None and hosted is None:
        caller = await api_key_or_session_caller(request)  # raises the usual 401
    rows = await s.files.of_meeting(request.match_info["meeting_id"])
    if hosted is None:
        assert caller is not None
        rows = [row for row in rows if tenant_of(caller, row)]
    return web.json_response({"files": [listing(row, s.vault) for row in rows]})


@routes.get("/api/meetings/files/{file_id}/download")
async def download(request: web.Request) -> web.StreamResponse:
    s = services(request)
    file_id = whole_number(request.match_info["file_id"], max_digits=15)
    row = await s.files.get(file_id) if file_id is not None else None
    if "sig" in request.query:
        if row is None or not s.vault.link_valid(row["_id"], request.query.get("expires", ""), request.query["sig"]):
            raise Forbidden("Download link is invalid or has expired", code="invalid_link")
    else:
        caller = await api_key_or_session_caller(request)
        if row is None or not tenant_of(caller, row):
            raise NotFound("File not found", code="file_not_found")
    path = s.vault.path_of(row["stored_name"])
    if not path.is_file():
        raise NotFound("File not found on disk", code="file_missing")
    return web.FileResponse(path, headers={
        "Content-Type": row["mime_type"],
        "Content-Disposition": attachment_disposition(row["original_name"]),
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store",
    })
