"""The recorder: one more subscriber of a meeting's SFU room, writing every published track
into a file of its own (WebM for VP8 and Opus, Matroska for H.264) exactly as it arrived.

Nothing is decoded or encoded: each ``MediaFrame`` the forwarder hands out becomes one packet
muxed by FFmpeg (PyAV). The frames arrive on the worker's event loop, so the per-frame work is
one ``mux_one``; FFmpeg buffers the writes. Each file starts at time 0; its ``offsetSeconds``
says where it begins in the recording, so the tracks of one recording can be lined up again.

PyAV details that matter (aiortc 1.16 / PyAV 18): a muxed-only VP8 or H.264 stream needs its
picture size before the header is written, so a video file opens at the track's first keyframe
(earlier frames could not be decoded anyway); an Opus stream gets its ``OpusHead`` only from a
real (opened, never fed) libopus encoder context, a mux-only one would have none.
"""
from __future__ import annotations

import contextlib
import logging
import secrets
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from av.container import OutputContainer
from av.stream import Stream

from media.codecs import H264, OPUS, VP8, vp8_size
from media.forwarding import MediaFrame
from media.h264_sps import h264_size

if TYPE_CHECKING:
    from media.publication import Publication
    from media.room import SfuRoom

log = logging.getLogger(__name__)

# mime type -> (FFmpeg muxer, file extension, FFmpeg codec for the stream)
FORMATS: dict[str, tuple[str, str, str]] = {
    VP8: ("webm", "webm", "libvpx"),
    OPUS: ("webm", "webm", "libopus"),
    H264: ("matroska", "mkv", "h264"),
}
OPUS_RATE = 48000


def supported(mime_type: str) -> bool:
    return mime_type.lower() in FORMATS


class TrackFile:
    """One publication's file: opened at its first usable frame, closed when it ends or the recording stops."""

    def __init__(self, publication: Publication, directory: Path, recording_started: float) -> None:
        codec = publication.forwarder.codec
        assert codec is not None, "a publication is recorded once it is live"
        self.publication = publication
        self.mime = codec.mimeType.lower()
        self.codec_name = codec.mimeType.split("/", 1)[-1]
        self.clock_rate = int(codec.clockRate)
        self.time_base = Fraction(1, self.clock_rate)
        self.muxer, extension, self.stream_codec = FORMATS[self.mime]
        self.extension = extension
        self.name = f"{secrets.token_hex(12)}.{extension}"
        self.path = directory / self.name
        self.recording_started = recording_started
        self.container: OutputContainer | None = None
        self.stream: Stream | None = None
        self.first_pts = 0
        self.last_pts = 0
        self.frames = 0
        self.bytes = 0
        self.skipped = 0
        self.width: int | None = None
        self.height: int | None = None
        self.started_at: float | None = None
        self.last_at: float | None = None
        self.failed = False

    @property
    def video(self) -> bool:
        return self.publication.kind == "video"

    def on_frame(self, frame: MediaFrame) -> None:
        """The forwarder's listener: one packet per frame, timestamps from 0 and never going back."""
        if self.failed:
            return
        if self.container is None and not self._open(frame):
            return
        assert self.container is not None and self.stream is not None
        pts = max(frame.pts - self.first_pts, self.last_pts)
        packet = av.Packet(frame.data)
        packet.pts = packet.dts = pts
        packet.time_base = self.time_base
        packet.is_keyframe = frame.keyframe
        packet.stream = self.stream
        try:
            self.container.mux_one(packet)
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._fail("writing", exc)
            return
        self.last_pts = pts
        self.frames += 1
        self.bytes += len(frame.data)
        self.last_at = time.time()

    def _open(self, frame: MediaFrame) -> bool:
        size: tuple[int, int] | None = None
        if self.video:
            if frame.keyframe:
                size = vp8_size(frame.data) if self.mime == VP8 else h264_size(frame.data)
            if size is None:  # nothing before the first keyframe can be decoded: wait for one
                self.skipped += 1
                self.publication.keyframes.request()
                return False
        try:
            container = av.open(str(self.path), "w", format=self.muxer)
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._fail("creating", exc)
            return False
        try:
            if size is not None:
                self.width, self.height = size
                stream: Stream = container.add_mux_stream(self.stream_codec, width=size[0], height=size[1])
            else:
                stream = container.add_stream(self.stream_codec, rate=OPUS_RATE, layout="stereo")
        except (av.FFmpegError, OSError, ValueError) as exc:
            container.close()
            self._fail("opening", exc)
            return False
        self.container, self.stream = container, stream
        self.first_pts = frame.pts
        self.started_at = time.time()
        return True

    def _fail(self, what: str, exc: Exception) -> None:
        """A full disk or a muxer that refuses: stop this file, keep what it has, keep the rest going."""
        self.failed = True
        log.error("recording a track failed while %s its file: %s", what, exc,
                  extra={"publication": self.publication.id, "file": self.name})

    def close(self) -> dict[str, Any] | None:
        """Finish the file (cues, duration); its description, or None when nothing was written."""
        container, self.container = self.container, None
        if container is None:
            return None
        try:
            container.close()
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._fail("closing", exc)
        try:
            size_bytes = self.path.stat().st_size
        except OSError:
            return None
        started = self.started_at or time.time()
        return {
            "file": self.name,
            "participantId": self.publication.participant_id,
            "publicationId": self.publication.id,
            "kind": self.publication.kind,
            "source": self.publication.source,
            "codec": self.codec_name,
            "format": self.extension,
            "clockRate": self.clock_rate,
            "width": self.width,
            "height": self.height,
            "frames": self.frames,
            "sizeBytes": size_bytes,
            "durationSeconds": round(self.last_pts / self.clock_rate, 3),
            "offsetSeconds": round(max(0.0, started - self.recording_started), 3),
            "startedAtMs": int(started * 1000),
            "endedAtMs": int((self.last_at or started) * 1000),
            "complete": not self.failed,
        }


class RoomRecording:
    """Every track of one SFU room, from ``start()`` to ``stop()``: those live now and those that go live later."""

    def __init__(self, room: SfuRoom, directory: str, recording_id: str) -> None:
        self.room = room
        self.directory = Path(directory)
        self.recording_id = recording_id
        self.tracks: dict[Publication, TrackFile] = {}
        self.finished: list[dict[str, Any]] = []
        self.started_at = 0.0
        self.running = False

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        self.running = True
        self.room.on_live.append(self._live)
        self.room.on_ended.append(self._ended)
        for publication in list(self.room.publications()):
            if publication.forwarder.live:
                self._live(publication)

    def stop(self) -> list[dict[str, Any]]:
        """Close every file; the description of each one written (ended tracks' included)."""
        if self.running:
            self.running = False
            self.room.on_live.remove(self._live)
            self.room.on_ended.remove(self._ended)
        for publication in list(self.tracks):
            self._finish(publication)
        with contextlib.suppress(OSError):
            self.directory.rmdir()  # only if nothing was written
        finished, self.finished = self.finished, []
        return finished

    def _live(self, publication: Publication) -> None:
        codec = publication.forwarder.codec
        if not self.running or publication in self.tracks or publication.closed or codec is None:
            return
        if not supported(codec.mimeType):
            log.warning("a track in %s cannot be recorded", codec.mimeType, extra={"publication": publication.id})
            return
        track = TrackFile(publication, self.directory, self.started_at)
        self.tracks[publication] = track
        publication.forwarder.listeners.append(track.on_frame)
        if track.video:
            publication.keyframes.request()  # start the file within a second, not at the next periodic keyframe

    def _ended(self, publication: Publication) -> None:
        if publication in self.tracks:
            self._finish(publication)

    def _finish(self, publication: Publication) -> None:
        track = self.tracks.pop(publication)
        with contextlib.suppress(ValueError):
            publication.forwarder.listeners.remove(track.on_frame)
        described = track.close()
        if described is not None:
            self.finished.append(described)
