"""Server-side recording: the signaling process's half. The SFU worker writes the files
(``media/recording.py``); this module decides when, tells the room, and keeps the list.

Order, as the protocol promises: the room gets ``recording:started`` before the worker is
asked to write anything, and ``recording:stopped`` after the worker has closed every file.
A recording ends by a host's stop (REST or socket), the meeting's end, a switch to mesh, or
the media worker dying; in every case what was written is listed (``recordings`` collection)
with the meeting's owner, who alone may download it later. Files are deleted
``recording_retention_days`` after they end (0 keeps them).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from server.media import MediaService
from server.meetings import MeetingService, now_ms
from store.errors import Forbidden, SliceError
from store.mongo.recordings import RecordingRow, RecordingStore
from store.rooms import Meeting, MeetingNotFound, MeetingStatus
from store.rooms.events import MeetingEnded, MeetingEvent, ParticipantJoined
from store.rooms.ids import Sid

log = logging.getLogger(__name__)

RECORDING_ID = re.compile(r"^[0-9a-f]{16}$")
FILE_NAME = re.compile(r"^([0-9a-f]{24})\.(webm|mkv)$")
PRUNE_EVERY_S = 3600.0
DAY_MS = 86_400_000
MEDIA_TYPES = {("webm", "video"): "video/webm", ("webm", "audio"): "audio/webm",
               ("mkv", "video"): "video/x-matroska", ("mkv", "audio"): "audio/x-matroska"}


@dataclass
class Session:
    """One running recording of one meeting."""

    recording_id: str
    meeting_id: str
    title: str
    owner_id: Any
    owner_company_id: Any
    host_name: str
    started_at_ms: int
    names: dict[str, str] = field(default_factory=dict)  # participant id -> name, for the rows


class RecordingService:
    def __init__(self, meetings: MeetingService, media: MediaService, store: RecordingStore) -> None:
        self.meetings = meetings
        self.media = media
        self.store = store
        self.settings = meetings.s.settings
        self.sessions: dict[str, Session] = {}  # by meeting id
        self._locks: dict[str, asyncio.Lock] = {}
        self._pruner: asyncio.Task[None] | None = None
        media.on_recording_closed = self._closed_by_media

    # -- start and stop -------------------------------------------------------------------------

    async def start(self, meeting: Meeting, sid: str | None, host_name: object) -> Session:
        """Record the meeting through the SFU; ``sid`` None for REST (the admin token was checked)."""
        if not await self.meetings.s.site_settings.get("recording_enabled"):
            raise Forbidden("Recording is disabled on this server", code="recording_disabled")
        async with self._lock(meeting.id):
            recording_id = secrets.token_hex(8)
            started_ms = now_ms()
            event = meeting.start_server_recording(Sid(sid) if sid else None, host_name, recording_id, started_ms)
            session = Session(recording_id, meeting.id, meeting.title, meeting.owner_id, meeting.owner_company_id,
                              event.host_name, started_ms,
                              {str(record.participant_id): record.name for record in meeting.attendance})
            self.sessions[meeting.id] = session
            await self.meetings.apply(meeting, [event])  # everyone is told before a byte is written
            try:
                await self.media.record_start(meeting.id, recording_id, self.directory(recording_id))
            except SliceError:
                self.sessions.pop(meeting.id, None)
                stopped = meeting.server_recording_ended(recording_id)
                if stopped is not None:
                    await self.meetings.apply(meeting, [stopped])
                raise
            if meeting.status is not MeetingStatus.ACTIVE and meeting.id in self.media.recording:
                # It ended while the worker was starting, and the worker's close came first: stop it here.
                # (If the close came after, it finished the recording and hands us the files once we let go.)
                await self._finish(session, await self._files_of(meeting.id))
            return session

    async def stop(self, meeting: Meeting, sid: str | None) -> tuple[str, list[RecordingRow]]:
        """Stop the SFU's recording: the files are closed and listed, then the room is told."""
        async with self._lock(meeting.id):
            event = meeting.stop_server_recording(Sid(sid) if sid else None)
            session = self.sessions.get(meeting.id)
            rows = await self._finish(session, await self._files_of(meeting.id)) if session is not None else []
            await self.meetings.apply(meeting, [event])
            return event.recording_id or "", rows

    async def stop_all(self) -> None:
        """At shutdown, before the media worker goes: every file finished and listed."""
        for meeting_id in list(self.sessions):
            meeting = self._active(meeting_id)
            if meeting is not None:
                try:
                    await self.stop(meeting, None)
                except Exception:
                    log.exception("could not finish a recording at shutdown", extra={"meeting": meeting_id})

    async def on_events(self, meeting: Meeting | None, events: list[MeetingEvent]) -> None:
        """A registry listener: remember the names of those who join while recording (for the rows)."""
        for ev in events:
            if isinstance(ev, ParticipantJoined) and ev.meeting_id in self.sessions:
                self.sessions[ev.meeting_id].names[str(ev.participant.id)] = ev.participant.name
            elif isinstance(ev, MeetingEnded):
                lock = self._locks.get(ev.meeting_id)
                if lock is not None and not lock.locked() and ev.meeting_id not in self.sessions:
                    del self._locks[ev.meeting_id]

    async def _closed_by_media(self, meeting_id: str, files: list[dict[str, Any]]) -> None:
        """The worker finished the recording on its own (meeting ended, went mesh, worker died)."""
        async with self._lock(meeting_id):
            session = self.sessions.get(meeting_id)
            if session is None:
                return
            await self._finish(session, files)
            meeting = self._active(meeting_id)
            if meeting is None:
                self._locks.pop(meeting_id, None)  # nobody can start or stop here any more
                return
            stopped = meeting.server_recording_ended(session.recording_id)
            if stopped is not None:
                await self.meetings.apply(meeting, [stopped])

    async def _files_of(self, meeting_id: str) -> list[dict[str, Any]]:
        try:
            return await self.media.record_stop(meeting_id)
        except SliceError as exc:
            log.error("the media server did not finish a recording", extra={"meeting": meeting_id, "error": exc.message})
            return []

    async def _finish(self, session: Session, files: Iterable[dict[str, Any]]) -> list[RecordingRow]:
        self.sessions.pop(session.meeting_id, None)
        rows = [row for row in (self._row(session, f) for f in files) if row is not None]
        try:
            await self.store.add(rows)
        except Exception:
            log.exception("recorded files could not be listed", extra={"files": [r["_id"] for r in rows]})
            return []
        return rows

    def _row(self, session: Session, described: dict[str, Any]) -> RecordingRow | None:
        """A database row for one file the worker wrote; None for anything that does not look like one."""
        match = FILE_NAME.match(str(described.get("file", "")))
        if match is None:
            log.error("the media server described a file by an unexpected name")
            return None
        participant_id = str(described.get("participantId", ""))
        return {
            "_id": match.group(1),
            "format": match.group(2),
            "recording_id": session.recording_id,
            "meeting_id": session.meeting_id,
            "meeting_title": session.title,
            "owner_id": session.owner_id,
            "owner_company_id": session.owner_company_id,
            "started_by": session.host_name,
            "recording_started_at_ms": session.started_at_ms,
            "participant_id": participant_id,
            "participant_name": session.names.get(participant_id, ""),
            "kind": "video" if described.get("kind") == "video" else "audio",
            "source": str(described.get("source", "")),
            "codec": str(described.get("codec", "")),
            "width": _int_or_none(described.get("width")),
            "height": _int_or_none(described.get("height")),
            "size_bytes": int(described.get("sizeBytes") or 0),
            "duration_ms": int(float(described.get("durationSeconds") or 0) * 1000),
            "offset_ms": int(float(described.get("offsetSeconds") or 0) * 1000),
            "started_at_ms": int(described.get("startedAtMs") or session.started_at_ms),
            "ended_at_ms": int(described.get("endedAtMs") or now_ms()),
            "complete": bool(described.get("complete", True)),
            "download_count": 0,
        }

    # -- files ------------------------------------------------------------------------------------

    def directory(self, recording_id: str) -> Path:
        assert RECORDING_ID.match(recording_id)
        return self.settings.recordings_dir / recording_id

    def path_of(self, row: RecordingRow) -> Path | None:
        """Where a row's bytes are: built from checked ids only, never from a name someone chose."""
        recording_id, file_id, fmt = str(row.get("recording_id")), str(row.get("_id")), str(row.get("format"))
        if not RECORDING_ID.match(recording_id) or not FILE_NAME.match(f"{file_id}.{fmt}"):
            return None
        return self.directory(recording_id) / f"{file_id}.{fmt}"

    async def delete(self, row: RecordingRow) -> None:
        """The file first, then its row: a crash in between leaves a row whose file is missing
        (404 on download, gone at the next sweep), never an unlisted file."""
        path = self.path_of(row)
        if path is not None:
            await asyncio.to_thread(_remove, path)
        await self.store.delete(row["_id"])

    # -- retention --------------------------------------------------------------------------------

    def start_pruning(self) -> None:
        self._pruner = asyncio.get_running_loop().create_task(self._prune_loop())

    async def stop_pruning(self) -> None:
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner

    async def _prune_loop(self) -> None:
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("recording retention sweep failed")
            await asyncio.sleep(PRUNE_EVERY_S)

    async def prune(self, now: int | None = None) -> int:
        """Delete recordings that ended more than ``recording_retention_days`` ago; how many went."""
        days = self.settings.recording_retention_days
        if days <= 0:
            return 0
        cutoff = (now if now is not None else int(time.time() * 1000)) - days * DAY_MS
        removed = 0
        while rows := await self.store.ended_before(cutoff):
            for row in rows:
                await self.delete(row)
                removed += 1
        if removed:
            log.info("old recordings deleted", extra={"count": removed})
        return removed

    def _active(self, meeting_id: str) -> Meeting | None:
        try:
            meeting = self.meetings.registry.get(meeting_id)
        except MeetingNotFound:
            return None
        return meeting if meeting.status is MeetingStatus.ACTIVE else None

    def _lock(self, meeting_id: str) -> asyncio.Lock:
        lock = self._locks.get(meeting_id)
        if lock is None:
            lock = self._locks[meeting_id] = asyncio.Lock()
        return lock


def media_type(row: RecordingRow) -> str:
    return MEDIA_TYPES.get((row.get("format", ""), row.get("kind", "")), "application/octet-stream")


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # the recording's directory, once its last file is gone


RECORDINGS = web.AppKey("recordings", RecordingService)
