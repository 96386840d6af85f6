"""The files area of the OpenAPI document: sharing a file in a meeting's chat, listing, downloading."""
from __future__ import annotations

from handlers.http.files import MAX_PARTS
from handlers.http.openapi import (
    KEY_OR_SESSION,
    MEMBER,
    NO_KEY,
    Schema,
    answer,
    closed,
    error,
    integer,
    operation,
    param,
    ref,
    string,
)
from server.files import LINK_TTL_SECONDS
from server.settings import Settings
from store.rooms.shared_files import (
    FILES_PER_MEETING,
    NOT_ALLOWED,
    ORIGINAL_NAME_MAX,
    SENDER_MAX,
)

TAG_NAME = "files"
TAG = {"name": TAG_NAME, "description": f"""\
Files shared in a meeting's chat. An upload is announced to the room as `chat:file {{fileId, name,
size, mimeType, sender, timestamp, downloadUrl}}`; `downloadUrl` is a link signed for that file,
valid for {LINK_TTL_SECONDS // 3600} hours, which needs no key or session (so a guest in the room can fetch
it). Accepted types: images, PDF, Word documents (`application/msword`,
`application/vnd.openxmlformats…`) and text, at most `FILE_MAX_BYTES` (default
{Settings.file_max_bytes // (1024 * 1024)} MiB) each and {FILES_PER_MEETING} per meeting. Files are
always sent as attachments, never rendered by the browser on our origin."""}

FILE_ID = {"name": "fileId", "in": "path", "required": True, "schema": integer(minimum=0),
           "description": "The file's `id`, from the upload's answer, `chat:file` or the list."}
LINK_PARAMS = [
    {"name": "expires", "in": "query", "required": False, "schema": string(pattern=r"^\d{1,12}$"),
     "description": "Part of a signed `downloadUrl`: its expiry (Unix seconds)."},
    {"name": "sig", "in": "query", "required": False, "schema": string(maxLength=128),
     "description": "Part of a signed `downloadUrl`: its signature. With it, no key or session is needed."},
]
ISO = ref("Timestamp")
LINK = string("A signed link to download this file without credentials.", pattern="^/api/meetings/files/")

SCHEMAS: dict[str, Schema] = {
    "UploadedFile": closed({
        "id": integer(minimum=1),
        "original_name": string(maxLength=ORIGINAL_NAME_MAX),
        "size_bytes": integer(minimum=0),
        "mime_type": string(),
        "created_at": ISO,
    }),
    "SharedFile": closed({
        "id": integer(minimum=1),
        "original_name": string(maxLength=ORIGINAL_NAME_MAX),
        "size_bytes": integer(minimum=0),
        "mime_type": string(),
        "participant_name": string(maxLength=SENDER_MAX),
        "created_at": ISO,
        "downloadUrl": LINK,
    }),
    "SharedFileList": closed({"files": {"type": "array", "items": ref("SharedFile"), "maxItems": FILES_PER_MEETING}}),
}
BODIES: dict[str, Schema] = {}

UPLOAD_BODY: Schema = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "The file; its part's `Content-Type` must be an accepted type."},
        "participantName": string(f"Shown as the sender; trimmed and cut to {SENDER_MAX}, default `Unknown`."),
    },
    "required": ["file"],
}}}}
DOWNLOAD: Schema = {
    "description": "The file, as an attachment (`Content-Disposition` with the original name), with its "
                   "stored media type.",
    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/*", "text/*", "application/pdf", "application/msword", "application/*")},
}


def paths() -> dict[str, Schema]:
    meeting = [param("MeetingId")]
    return {
        "/api/meetings/{meetingId}/files": {
            "post": operation(
                "Share a file", "Uploads a file to a running meeting and announces it to the room (`chat:file`). "
                "The meeting's tenant (key or session) or its host (`x-admin-token`) may upload.",
                tag=TAG_NAME, security=MEMBER, bucket="api", parameters=meeting, request=UPLOAD_BODY,
                responses={
                    "201": answer("Stored and announced.", ref("UploadedFile")),
                    "400": error(f"`No file uploaded`, `File too large`, `{NOT_ALLOWED}`, `Unexpected field` "
                                 f"(a file part not named `file`, or two), `Too many parts` (over {MAX_PARTS}), "
                                 "`Field value too long`, or a malformed body.",
                                 "no_file", "file_too_large", "file_type_not_allowed", "unexpected_field",
                                 "too_many_parts", "field_too_long", "malformed_multipart"),
                    "401": NO_KEY,
                    "404": error("No such running meeting, or another tenant's.", "meeting_not_found"),
                    "409": error(f"The meeting already has {FILES_PER_MEETING} files.", "too_many_files"),
                }),
            "get": operation(
                "List a meeting's files", "Oldest first. With the meeting's `x-admin-token` (while it runs): all "
                "of them. Otherwise the caller's: files of meetings their account or company owns, and files "
                "they uploaded, also after the meeting has ended.",
                tag=TAG_NAME, security=MEMBER, bucket="api", parameters=meeting,
                responses={"200": answer("The files.", ref("SharedFileList")), "401": NO_KEY}),
        },
        "/api/meetings/files/{fileId}/download": {"get": operation(
            "Download a shared file", "With a signed link (`expires` and `sig`), or as the meeting's tenant or "
            "the uploader (key or session).",
            tag=TAG_NAME, security=[*KEY_OR_SESSION, {}], bucket="api", parameters=[FILE_ID, *LINK_PARAMS],
            responses={
                "200": DOWNLOAD,
                "401": NO_KEY,
                "403": error("The signed link is wrong or has expired.", "invalid_link"),
                "404": error("`File not found` (unknown, or not the caller's), or `File not found on disk`.",
                             "file_not_found", "file_missing"),
            })},
    }
