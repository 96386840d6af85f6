"""The signaling process's side of the SFU: it starts the media worker, sends it
commands, relays what the worker tells participants, and closes media sessions
when the registry says a participant left or a meeting ended.

The worker starts at the first SFU command, so a server whose meetings are all
mesh never pays for it. If it dies, every SFU participant gets ``sfu:closed``
(the web client reconnects its media) and the next command starts a new one.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from aiohttp import web

from media import ipc
from server.background import Background
from store.errors import Conflict, InvalidInput, SliceError, Unavailable
from store.rooms import Meeting
from store.rooms.events import MeetingEnded, MeetingEvent, ParticipantLeft, SettingsUpdated
from store.rooms.settings import MediaMode

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 20.0  # seconds; an SFU command that takes longer means the worker is stuck
START_TIMEOUT = 30.0

EmitTo = Callable[[str, str, dict[str, Any]], Coroutine[Any, Any, None]]
RecordingClosed = Callable[[str, list[dict[str, Any]]], Coroutine[Any, Any, None]]
"""Told (meeting id, files written) when a recording ends without ``record_stop``: the meeting
ended or went mesh (the worker's ``close`` finished it), or the worker died (no files known)."""


class MediaWorkerClient:
    """A child process running ``media.worker``, spoken to in JSON lines (``media/ipc.py``)."""

    def __init__(self, on_emit: EmitTo, on_exit: Callable[[], None], log_level: str = "WARNING",
                 stun_urls: tuple[str, ...] = ()) -> None:
        self.on_emit = on_emit
        self.on_exit = on_exit
        self.log_level = log_level
        self.stun_urls = stun_urls
        self.process: asyncio.subprocess.Process | None = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Lock = asyncio.Lock()
        self._ready: asyncio.Future[None] | None = None
        self._emits: asyncio.Queue[tuple[str, str, dict[str, Any]] | None] = asyncio.Queue()
        self._emitter: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def _ensure(self) -> asyncio.subprocess.Process:
        if self._stopping:
            raise Unavailable("The server is shutting down", code="media_unavailable")
        async with self._starting:
            if self.process is not None and self.process.returncode is None:
                return self.process
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "media.worker", "--log-level", self.log_level,
                *(argument for url in self.stun_urls for argument in ("--stun", url)),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=str(ROOT),
                limit=ipc.LINE_LIMIT,
            )
            self._reader = loop.create_task(self._read(self.process))
            if self._emitter is None or self._emitter.done():
                self._emitter = loop.create_task(self._emit_loop())
            try:
                await asyncio.wait_for(asyncio.shield(self._ready), START_TIMEOUT)
            except (TimeoutError, ConnectionError):
                await self._kill()
                raise Unavailable("The media server did not start", code="media_unavailable") from None
            return self.process

    async def request(self, op: str, **arguments: Any) -> Any:
        process = await self._ensure()
        assert process.stdin is not None
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        try:
            process.stdin.write(ipc.encode({"id": request_id, "op": op, **arguments}))
            await process.stdin.drain()
            return await asyncio.wait_for(future, REQUEST_TIMEOUT)
        except (ConnectionError, BrokenPipeError):
            raise Unavailable("The media server is not available", code="media_unavailable") from None
        except TimeoutError:
            raise Unavailable("The media server did not answer", code="media_unavailable") from None
        finally:
            self.pending.pop(request_id, None)

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            async for message in ipc.messages(process.stdout):
                self._dispatch(message)
        finally:
            await process.wait()
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(ConnectionError("media worker exited"))
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("media worker exited"))
            if process is self.process and not self._stopping:
                log.warning("media worker exited", extra={"returncode": process.returncode})
                self.on_exit()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "emit" in message:
            sid, event, payload = message["emit"]
            self.relay(str(sid), str(event), dict(payload))
        elif "ready" in message:
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
        else:
            future = self.pending.get(message.get("id", -1))
            if future is None or future.done():
                return
            if message.get("ok"):
                future.set_result(message.get("result"))
            else:
                future.set_exception(_worker_error(message))

    def relay(self, sid: str, event: str, payload: dict[str, Any]) -> None:
        """Tell a participant something in order with the worker's own emits."""
        self._emits.put_nowait((sid, event, payload))

    async def _emit_loop(self) -> None:
        """One task relays every emit, so they reach sockets in the worker's order."""
        while True:
            item = await self._emits.get()
            if item is None:
                return
            try:
                await self.on_emit(*item)
            except Exception:
                log.exception("relaying a media event failed")

    async def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                await self._kill()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._emitter is not None:
            self._emits.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._emitter

    async def _kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def _worker_error(message: dict[str, Any]) -> SliceError:
    code = str(message.get("code") or "media_error")
    text = str(message.get("error") or "Media server error")
    if code in ("invalid_sdp", "invalid_candidate"):
        return InvalidInput(text, code=code)
    if code == "recording_running":
        return Conflict(text, code=code)
    return Unavailable(text, code=code)


class MediaService:
    """What the rest of the server asks of the SFU; one per app."""

    def __init__(self, emit_to: EmitTo, background: Background, log_level: str = "WARNING",
                 stun_urls: tuple[str, ...] = ()) -> None:
        self.emit_to = emit_to
        self.background = background
        self.worker = MediaWorkerClient(emit_to, self._worker_exited, log_level, stun_urls)
        self.sessions: dict[str, dict[str, str]] = {}  # meeting id -> participant id -> sid
        self.recording: set[str] = set()  # meeting ids the worker records
        self.on_recording_closed: RecordingClosed | None = None

    async def offer(self, meeting: Meeting, participant_id: str, sid: str, sdp: str, sources: dict[str, str]) -> bool:
        self.sessions.setdefault(meeting.id, {})[participant_id] = sid
        result = await self.worker.request("offer", meetingId=meeting.id, participantId=participant_id, sid=sid,
                                           sdp=sdp, sources=sources)
        return bool(result and result.get("taken"))

    async def answer(self, meeting: Meeting, participant_id: str, sdp: str) -> bool:
        if participant_id not in self.sessions.get(meeting.id, {}):
            return False
        result = await self.worker.request("answer", meetingId=meeting.id, participantId=participant_id, sdp=sdp)
        return bool(result and result.get("taken"))

    async def ice(self, meeting: Meeting, participant_id: str, candidate: dict[str, Any] | None) -> None:
        if participant_id in self.sessions.get(meeting.id, {}):
            await self.worker.request("ice", meetingId=meeting.id, participantId=participant_id, candidate=candidate)

    async def leave(self, meeting_id: str, participant_id: str) -> None:
        sessions = self.sessions.get(meeting_id, {})
        if sessions.pop(participant_id, None) is not None and self.worker.running:
            await self.worker.request("leave", meetingId=meeting_id, participantId=participant_id)
        if not sessions:
            self.sessions.pop(meeting_id, None)

    async def close(self, meeting_id: str) -> None:
        self.sessions.pop(meeting_id, None)
        files: list[dict[str, Any]] = []
        if self.worker.running:
            result = await self.worker.request("close", meetingId=meeting_id)
            files = list((result or {}).get("files") or [])
        if meeting_id in self.recording:
            self.recording.discard(meeting_id)
            if self.on_recording_closed is not None:
                await self.on_recording_closed(meeting_id, files)

    async def record_start(self, meeting_id: str, recording_id: str, directory: Path) -> None:
        """The worker starts writing every track of the meeting's room under ``directory``."""
        await self.worker.request("record_start", meetingId=meeting_id, recordingId=recording_id,
                                  directory=str(directory))
        self.recording.add(meeting_id)

    async def record_stop(self, meeting_id: str) -> list[dict[str, Any]]:
        """Finish the meeting's recording; what the worker wrote (see ``media.recording``)."""
        if meeting_id not in self.recording:
            return []
        self.recording.discard(meeting_id)
        if not self.worker.running:
            return []
        result = await self.worker.request("record_stop", meetingId=meeting_id)
        return list((result or {}).get("files") or [])

    async def stats(self, meeting_id: str) -> dict[str, Any] | None:
        if not self.worker.running:
            return None
        result: dict[str, Any] | None = await self.worker.request("stats", meetingId=meeting_id)
        return result

    async def stats_all(self) -> dict[str, dict[str, Any]]:
        """Every SFU room's figures by meeting id, in one request; empty while no worker runs
        (asking would start one)."""
        if not self.worker.running:
            return {}
        result: dict[str, dict[str, Any]] | None = await self.worker.request("stats_all")
        return dict(result or {})

    async def health(self) -> dict[str, Any]:
        """The worker's counts (rooms, peers, tasks, threads, open files); starts it if needed."""
        result: dict[str, Any] = await self.worker.request("health")
        return result

    async def on_events(self, meeting: Meeting | None, events: list[MeetingEvent]) -> None:
        """A registry listener: participants who leave and meetings that end lose their media."""
        for ev in events:
            try:
                if isinstance(ev, ParticipantLeft):
                    await self.leave(ev.meeting_id, str(ev.participant.id))
                elif isinstance(ev, MeetingEnded):
                    await self.close(ev.meeting_id)
                elif isinstance(ev, SettingsUpdated) and ev.settings.media_mode is MediaMode.MESH:
                    if ev.meeting_id in self.sessions or ev.meeting_id in self.recording:
                        await self._end_sessions(ev.meeting_id, "The meeting switched to mesh mode")
            except SliceError as exc:
                log.warning("closing media sessions failed", extra={"meeting": ev.meeting_id, "error": exc.message})

    async def _end_sessions(self, meeting_id: str, reason: str) -> None:
        sessions = dict(self.sessions.get(meeting_id, {}))
        await self.close(meeting_id)
        for sid in sessions.values():
            await self.emit_to(sid, "sfu:closed", {"reason": reason})

    def _worker_exited(self) -> None:
        recording, self.recording = self.recording, set()
        if self.on_recording_closed is not None:
            for meeting_id in recording:
                self.background.spawn(self.on_recording_closed(meeting_id, []))
        sessions, self.sessions = self.sessions, {}
        for participants in sessions.values():
            for sid in participants.values():
                self.worker.relay(sid, "sfu:closed", {"reason": "The media server restarted"})

    async def stop(self) -> None:
        await self.worker.stop()


MEDIA = web.AppKey("media", MediaService)
