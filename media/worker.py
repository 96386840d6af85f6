"""The media worker: a process of its own that runs every SFU room.

aiortc does ICE, DTLS, SRTP, RTP and RTCP in Python on its event loop; in the
signaling process that work would delay every Socket.IO event (research A4).
The signaling process starts this worker (``python -m media.worker``), sends it
commands on stdin and relays what it prints on stdout to participants
(``media/ipc.py``). When stdin closes the worker closes every connection and exits.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc.exceptions import InvalidAccessError, InvalidStateError, OperationError
from aiortc.sdp import SessionDescription

from media import aiortc_hooks, ipc
from media.recording import RoomRecording
from media.room import SfuRoom
from media.stats import MediaStats

log = logging.getLogger("media.worker")


class CommandError(Exception):
    def __init__(self, message: str, code: str = "media_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _require_sdp(sdp: str) -> None:
    """aiortc takes any text as an empty description, and its parser fails in many ways on a broken
    one: check both here, so a participant's bad SDP is its error (400), not the server's."""
    if not sdp.lstrip().startswith("v=0"):
        raise CommandError("Invalid SDP: a session description starts with v=0", "invalid_sdp")
    try:
        SessionDescription.parse(sdp)
    except Exception as exc:
        raise CommandError(f"Invalid SDP: {type(exc).__name__}", "invalid_sdp") from None


# What aiortc raises when a description it parsed cannot be applied (unsupported codecs, wrong state).
NEGOTIATION_ERRORS = (ValueError, InvalidAccessError, InvalidStateError, OperationError)


def _open_files() -> int:
    """File descriptors this process holds (Linux), or -1 where /proc is not there."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


class MediaWorker:
    def __init__(self, send: Callable[[dict[str, Any]], None], ice_servers: list[str] | None = None) -> None:
        self.send = send
        self.ice_servers = ice_servers or []
        self.rooms: dict[str, SfuRoom] = {}
        self.recordings: dict[str, RoomRecording] = {}  # by meeting id
        self.stats = MediaStats()

    def emit(self, sid: str, event: str, payload: dict[str, Any]) -> None:
        self.send({"emit": [sid, event, payload]})

    async def handle(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        op = message.get("op")
        handler: Callable[[dict[str, Any]], Awaitable[Any]] | None = getattr(self, f"op_{op}", None)
        try:
            if handler is None:
                raise CommandError(f"unknown media command {op!r}", "unknown_command")
            result = await handler(message)
            reply: dict[str, Any] = {"id": request_id, "ok": True, "result": result}
        except CommandError as exc:
            reply = {"id": request_id, "ok": False, "error": exc.message, "code": exc.code}
        except Exception as exc:
            log.exception("media command failed", extra={"op": op})
            reply = {"id": request_id, "ok": False, "error": f"Media server error: {type(exc).__name__}", "code": "media_error"}
        if request_id is not None:
            self.send(reply)

    def _room(self, message: dict[str, Any]) -> SfuRoom | None:
        return self.rooms.get(str(message["meetingId"]))

    def _room_for(self, message: dict[str, Any]) -> SfuRoom:
        """The meeting's room, created at its first offer or recording."""
        meeting_id = str(message["meetingId"])
        room = self.rooms.get(meeting_id)
        if room is None:
            room = self.rooms[meeting_id] = SfuRoom(meeting_id, self.emit, self.ice_servers)
        return room

    # -- commands ---------------------------------------------------------------------

    async def op_offer(self, m: dict[str, Any]) -> dict[str, Any]:
        _require_sdp(str(m["sdp"]))
        room = self._room_for(m)
        try:
            taken = await room.offer(str(m["participantId"]), str(m["sid"]), str(m["sdp"]), dict(m.get("sources") or {}))
        except NEGOTIATION_ERRORS as exc:
            raise CommandError(f"Invalid SDP offer: {exc}", "invalid_sdp") from None
        return {"taken": taken}

    async def op_answer(self, m: dict[str, Any]) -> dict[str, Any]:
        _require_sdp(str(m["sdp"]))
        room = self._room(m)
        try:
            taken = room is not None and await room.answer(str(m["participantId"]), str(m["sdp"]))
        except NEGOTIATION_ERRORS as exc:
            raise CommandError(f"Invalid SDP answer: {exc}", "invalid_sdp") from None
        return {"taken": taken}

    async def op_ice(self, m: dict[str, Any]) -> None:
        room = self._room(m)
        if room is not None:
            try:
                await room.ice(str(m["participantId"]), m.get("candidate"))
            except Exception as exc:  # aiortc/aioice parse candidates with asserts and indexing
                raise CommandError(f"Invalid ICE candidate: {type(exc).__name__}", "invalid_candidate") from None

    async def op_leave(self, m: dict[str, Any]) -> None:
        room = self._room(m)
        if room is not None:
            await room.leave(str(m["participantId"]))
            if room.empty and m["meetingId"] not in self.recordings:
                self.rooms.pop(room.meeting_id, None)

    async def op_close(self, m: dict[str, Any]) -> dict[str, Any]:
        """The meeting ended (or went mesh): a recording still running is finished and its files returned."""
        files = self._stop_recording(str(m["meetingId"]))
        room = self.rooms.pop(str(m["meetingId"]), None)
        if room is not None:
            await room.close()
        return {"files": files}

    async def op_stats(self, m: dict[str, Any]) -> dict[str, Any] | None:
        room = self._room(m)
        return await self.stats.room(room) if room is not None else None

    async def op_stats_all(self, m: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Every room's figures, by meeting id, in one request (the admin dashboard)."""
        return {meeting_id: await self.stats.room(room) for meeting_id, room in list(self.rooms.items())}

    async def op_record_start(self, m: dict[str, Any]) -> dict[str, Any]:
        meeting_id = str(m["meetingId"])
        if meeting_id in self.recordings:
            raise CommandError("A recording is already running", "recording_running")
        room = self._room_for(m)
        recording = RoomRecording(room, str(m["directory"]), str(m["recordingId"]))
        try:
            recording.start()
        except OSError as exc:  # the recordings directory cannot be created
            raise CommandError(f"Cannot write recordings: {exc.strerror}", "recording_failed") from None
        self.recordings[meeting_id] = recording
        return {"started": True}

    async def op_record_stop(self, m: dict[str, Any]) -> dict[str, Any]:
        meeting_id = str(m["meetingId"])
        files = self._stop_recording(meeting_id)
        room = self.rooms.get(meeting_id)
        if room is not None and room.empty:  # kept only for the recording
            self.rooms.pop(meeting_id, None)
        return {"files": files}

    def _stop_recording(self, meeting_id: str) -> list[dict[str, Any]]:
        recording = self.recordings.pop(meeting_id, None)
        if recording is None:
            return []
        return recording.stop()

    async def op_health(self, m: dict[str, Any]) -> dict[str, Any]:
        """Counts the leak tests compare before and after."""
        return {
            "rooms": len(self.rooms),
            "peers": sum(len(room.peers) for room in self.rooms.values()),
            "tasks": len(asyncio.all_tasks()),
            "threads": threading.active_count(),
            "fds": _open_files(),
            "recordings": len(self.recordings),
            "pid": os.getpid(),
        }

    async def close(self) -> None:
        for meeting_id in list(self.rooms):
            await self.op_close({"meetingId": meeting_id})


async def serve(ice_servers: list[str]) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=ipc.LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer

    def send(message: dict[str, Any]) -> None:
        out.write(ipc.encode(message))
        out.flush()

    worker = MediaWorker(send, ice_servers)
    tasks: set[asyncio.Task[None]] = set()
    send({"ready": {"pid": os.getpid()}})
    async for message in ipc.messages(reader):
        task = loop.create_task(worker.handle(message))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Slice's media worker (started by the server)")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--stun", action="append", default=[], help="a STUN/TURN URL for the server's candidates")
    arguments = parser.parse_args()
    logging.basicConfig(level=arguments.log_level, stream=sys.stderr,
                        format="media-worker %(levelname)s %(name)s: %(message)s")
    aiortc_hooks.check()
    aiortc_hooks.use_fast_clock()
    asyncio.run(serve(arguments.stun))


if __name__ == "__main__":
    main()
