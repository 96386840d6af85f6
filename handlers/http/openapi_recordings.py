"""The recordings area of the OpenAPI document: the server records an ``sfu`` meeting; its owner
lists, downloads and deletes the files."""
from __future__ import annotations

from handlers.http.openapi import (
    HOST,
    HOST_ERRORS,
    HOST_NOTE,
    KEY_OR_SESSION,
    MEMBER,
    NO_KEY,
    Schema,
    answer,
    boolean,
    closed,
    error,
    fields,
    integer,
    json_content,
    nullable,
    operation,
    param,
    ref,
    string,
)
from handlers.http.recordings import HOST_NAME_FIELD_MAX
from server.settings import Settings
from store.rooms.activity import HOST_NAME_MAX, REST_HOST_NAME

TAG_NAME = "recordings"
TAG = {"name": TAG_NAME, "description": f"""\
Server-side recording of an `sfu` meeting (`settings.mediaMode`; a `mesh` meeting's media never
reaches the server: 409 `not_sfu`, switch it to `sfu` first). The SFU writes each participant track
(microphone, camera, screen) to a file of its own, exactly as the participant sent it (no
re-encoding): VP8 and Opus in WebM (`.webm`), H.264 in Matroska (`.mkv`). Each file starts at 0;
`offset_seconds` places it in the recording. Everyone in the meeting gets `recording:started
{{hostName, recordingId}}` before anything is written and `recording:stopped {{recordingId}}` once
every file is closed (docs/PROTOCOL.md §10); a host can do the same with the `recording:start` /
`recording:stop` socket events. A recording ends when stopped, when the meeting ends or switches
to `mesh`, or if the media server restarts; the files written so far are kept. Files are deleted
`RECORDING_RETENTION_DAYS` (default {Settings.recording_retention_days}) after they end; 0 keeps them.
Only the meeting's owner (its account or company) may download or delete them."""}

RECORDING_ID = string("One recording of a meeting (all its files share it).", pattern="^[0-9a-f]{16}$")
FILE_ID_SCHEMA = string("One file (one participant track).", pattern="^[0-9a-f]{24}$")
FILE_PARAM = {"name": "recordingId", "in": "path", "required": True, "schema": string(maxLength=64),
              "description": "A file's `id`, from the list. Unknown, or not the caller's: 404."}
ISO = ref("Timestamp")
MEDIA_503 = error("The media server is not running or failed (`media_unavailable`, `media_error`, "
                  "`recording_failed`: it could not write under `DATA_DIR/recordings`), or the database is down "
                  "(`database_unavailable`).", "media_unavailable", "media_error", "recording_failed",
                  "database_unavailable")

SCHEMAS: dict[str, Schema] = {
    "RecordingStarted": closed({
        "recordingId": RECORDING_ID, "meetingId": ref("MeetingId"),
        "hostName": string("Shown to participants in `recording:started`.", maxLength=HOST_NAME_MAX),
        "startedAt": ISO,
    }),
    "Recording": closed({
        "id": FILE_ID_SCHEMA,
        "meeting_id": ref("MeetingId"),
        "recording_id": RECORDING_ID,
        "participant_id": string(),
        "participant_name": string(),
        "recording_type": string("The track's kind.", enum=["audio", "video"]),
        "source": string(enum=["microphone", "camera", "screen", "screen-audio"]),
        "format": string("`webm` (VP8, Opus) or `mkv` (H.264).", enum=["webm", "mkv"]),
        "codec": string("As the participant sent it: `VP8`, `H264`, `opus`.", examples=["VP8"]),
        "width": nullable(integer("Video: the first keyframe's width.", minimum=1)),
        "height": nullable(integer(minimum=1)),
        "file_size_bytes": integer(minimum=0),
        "duration_seconds": {"type": "number", "minimum": 0},
        "offset_seconds": {"type": "number", "minimum": 0,
                           "description": "When this file starts, counted from the recording's start."},
        "started_at": ISO,
        "ended_at": ISO,
        "started_by": string("The `hostName` of whoever started the recording."),
        "is_available": boolean("False if the file is gone from disk."),
        "download_count": integer(minimum=0),
        "download_url": string("Needs the owner's key or session.", pattern="^/api/recordings/[0-9a-f]{24}/download$"),
    }),
    "RecordingList": closed({"recordings": {"type": "array", "items": ref("Recording"),
                                            "description": "Oldest recording first; its tracks in starting order."}}),
    "RecordingStopped": closed({
        "recordingId": RECORDING_ID,
        "recordings": {"type": "array", "items": ref("Recording"), "description": "The files it wrote."},
    }),
}
BODIES: dict[str, Schema] = {
    "RecordingStart": fields({
        "hostName": string(f"Shown in `recording:started`; trimmed and cut to {HOST_NAME_MAX} (default "
                           f"`{REST_HOST_NAME}`). Longer than {HOST_NAME_FIELD_MAX}: 400.",
                           maxLength=HOST_NAME_FIELD_MAX),
    }),
}
DOWNLOAD: Schema = {
    "description": "The file, as an attachment with a generated name "
                   "(`recording-<meetingId>-<kind>-<source>-<id8>.<format>`).",
    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska")},
}


def paths() -> dict[str, Schema]:
    meeting = [param("MeetingId")]
    host_errors = {**HOST_ERRORS, "503": MEDIA_503}
    return {
        "/api/meetings/{meetingId}/recordings/start": {"post": operation(
            "Start recording", "The server records every participant track of this `sfu` meeting until stopped. "
            f"The room gets `recording:started` first; joiners see `isRecording` in `joined`.\n\n{HOST_NOTE}",
            tag=TAG_NAME, security=HOST, bucket="api", parameters=meeting, database=False,
            request={"required": False, "content": json_content(ref("RecordingStartRequest"))},
            responses={
                **host_errors,
                "201": answer("Recording; everyone has been told.", ref("RecordingStarted")),
                "400": error("Invalid `hostName`.", "invalid_type", "invalid_text", "too_long", "invalid_json"),
                "403": error("Missing or wrong `x-admin-token`; recording disabled by the site admin; or a guest "
                             "meeting (it has no owner who could download the files).",
                             "admin_token_invalid", "recording_disabled", "guest_meeting"),
                "409": error("The meeting is in `mesh` mode, or already being recorded.",
                             "not_sfu", "recording_running"),
            })},
        "/api/meetings/{meetingId}/recordings/stop": {"post": operation(
            "Stop recording", "Every file is closed and listed, then the room gets `recording:stopped`."
            f"\n\n{HOST_NOTE}",
            tag=TAG_NAME, security=HOST, bucket="api", parameters=meeting, database=False,
            responses={
                **host_errors,
                "200": answer("Stopped; the files it wrote.", ref("RecordingStopped")),
                "409": error("The server is not recording this meeting.", "not_recording"),
            })},
        "/api/meetings/{meetingId}/recordings": {"get": operation(
            "List a meeting's recordings", "With the meeting's `x-admin-token` (while it runs): all of its files. "
            "Otherwise the files of meetings the caller's account or company owns, also after the meeting "
            "has ended (an unknown meeting lists nothing).",
            tag=TAG_NAME, security=MEMBER, bucket="api", parameters=meeting,
            responses={"200": answer("The files.", ref("RecordingList")), "401": NO_KEY})},
        "/api/recordings/{recordingId}/download": {"get": operation(
            "Download a recording", "One file, for the meeting's owner account or company.",
            tag=TAG_NAME, security=KEY_OR_SESSION, bucket="api", parameters=[FILE_PARAM],
            responses={
                "200": DOWNLOAD,
                "401": NO_KEY,
                "404": error("`Recording not found` (unknown, or not the caller's), or `Recording file not "
                             "found on disk`.", "recording_not_found", "file_missing"),
            })},
        "/api/recordings/{recordingId}": {"delete": operation(
            "Delete a recording", "Deletes one file and its entry, for the meeting's owner account or company.",
            tag=TAG_NAME, security=KEY_OR_SESSION, bucket="api", parameters=[FILE_PARAM],
            responses={
                "200": answer("Deleted.", ref("Message"), example={"message": "Recording deleted"}),
                "401": NO_KEY,
                "404": error("Unknown, or not the caller's.", "recording_not_found"),
            })},
    }
