"""An aiortc participant of an SFU meeting, for the media tests: it joins over Socket.IO like any
bot, publishes synthetic tracks, answers the server's offers, and keeps what it receives."""
from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
from aiohttp.test_utils import TestClient
from aiortc import MediaStreamTrack, RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AUDIO_PTIME, VIDEO_CLOCK_RATE
from aiortc.sdp import SessionDescription

from tests.conftest import eventually
from tests.meetings.support import Bot


class PatternVideo(MediaStreamTrack):
    """Synthetic camera: a moving pattern of a given size (the encoder gets real work and the
    receiver can check it got this publisher's size)."""

    kind = "video"

    def __init__(self, width: int, height: int, fps: int = 15) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        target = self._start + self._count / self.fps
        await asyncio.sleep(max(0.0, target - time.monotonic()))
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        shade = (self._count * 7) % 150 + 20
        for index, plane in enumerate(frame.planes):
            row = bytes(((x + self._count * 3) % 64) + (shade if index == 0 else 100)
                        for x in range(plane.line_size))
            plane.update(row * plane.height)
        frame.pts = int(self._count * VIDEO_CLOCK_RATE / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        self._count += 1
        return frame


class ToneAudio(MediaStreamTrack):
    """Synthetic microphone: 20 ms frames of a quiet square wave at 48 kHz."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._count = 0
        samples = int(AUDIO_PTIME * 48000)
        self._pcm = b"".join((1000 if (i // 24) % 2 else -1000).to_bytes(2, "little", signed=True) for i in range(samples))

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        target = self._start + self._count * AUDIO_PTIME
        await asyncio.sleep(max(0.0, target - time.monotonic()))
        samples = int(AUDIO_PTIME * 48000)
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(self._pcm)
        frame.sample_rate = 48000
        frame.pts = self._count * samples
        frame.time_base = fractions.Fraction(1, 48000)
        self._count += 1
        return frame


def connection() -> RTCPeerConnection:
    """A client connection that bundles every m-line on one transport, as browsers do in effect.
    aiortc's default (balanced) gives the second and later m-lines of a kind that arrive in one
    server offer a transport it then discards: their media would never reach their receivers."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


@dataclass
class Received:
    """What one subscriber got on one incoming track."""

    kind: str
    stream_id: str
    frames: int = 0
    sizes: set[tuple[int, int]] = field(default_factory=set)
    first_at: float | None = None
    last_at: float | None = None


class SfuPeer(Bot):
    """A Socket.IO bot with one aiortc connection to the SFU."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.pc = connection()
        self.received: dict[str, Received] = {}   # by mid
        self.readers: list[asyncio.Task[None]] = []
        self.lock = asyncio.Lock()
        self.started = asyncio.Event()
        self.participant_id = ""
        self.errors: list[Any] = []
        self.on_receiver: Callable[[Any, str], None] | None = None  # tests may tap client receivers

        @self.sio.on("sfu:answer")
        async def on_answer(data: dict[str, Any]) -> None:
            async with self.lock:
                if self.pc.signalingState == "closed":
                    return
                await self.pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "answer"))
            self.started.set()

        @self.sio.on("sfu:offer")
        async def on_offer(data: dict[str, Any]) -> None:
            await self.started.wait()
            async with self.lock:
                if self.pc.signalingState == "closed":
                    return
                await self.pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.sio.emit("sfu:answer", {"sdp": self.pc.localDescription.sdp})

        self._watch(self.pc)

    def _watch(self, pc: RTCPeerConnection) -> None:
        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            transceiver = next(t for t in pc.getTransceivers() if t.receiver.track is track)
            if self.on_receiver is not None:
                self.on_receiver(transceiver.receiver, transceiver.mid or "")
            self.readers.append(asyncio.get_running_loop().create_task(self._read(track, transceiver.mid or "")))

    async def new_connection(self) -> None:
        """What a client does on ``sfu:closed``: drop the connection and start a new one."""
        async with self.lock:
            await self.pc.close()
            self.pc = connection()
            self.started = asyncio.Event()
            self.received.clear()
        self._watch(self.pc)

    async def join_sfu(self, api: TestClient, meeting_id: str, **extra: Any) -> dict[str, Any]:
        await self.connect(api)
        joined = await self.join(meeting_id, self.name, **extra)
        self.participant_id = joined["participantId"]
        return joined

    async def publish(self, *, video: tuple[int, int] | None = (320, 240), audio: bool = True,
                      tracks: list[MediaStreamTrack] | None = None) -> None:
        """Send the first offer (with what we publish) and wait for the server's answer."""
        for track in tracks if tracks is not None else self._synthetic(video, audio):
            self.pc.addTransceiver(track, direction="sendonly")
        async with self.lock:
            await self.pc.setLocalDescription(await self.pc.createOffer())
        ack = await self.sio.call("sfu:offer", {"sdp": self.pc.localDescription.sdp}, timeout=20)
        assert ack.get("ok"), ack
        await asyncio.wait_for(self.started.wait(), 20)

    @staticmethod
    def _synthetic(video: tuple[int, int] | None, audio: bool) -> list[MediaStreamTrack]:
        tracks: list[MediaStreamTrack] = []
        if audio:
            tracks.append(ToneAudio())
        if video is not None:
            tracks.append(PatternVideo(*video))
        return tracks

    def stream_of(self, mid: str) -> str:
        description = self.pc.remoteDescription
        if description is None:
            return ""
        for media in SessionDescription.parse(description.sdp).media:
            if media.rtp.muxId == mid and media.msid:
                return media.msid.split()[0]
        return ""

    async def _read(self, track: MediaStreamTrack, mid: str) -> None:
        entry = self.received.setdefault(mid, Received(track.kind, self.stream_of(mid)))
        try:
            while True:
                frame = await track.recv()
                now = time.monotonic()
                entry.stream_id = self.stream_of(mid) or entry.stream_id
                entry.frames += 1
                entry.first_at = entry.first_at or now
                entry.last_at = now
                if isinstance(frame, av.VideoFrame):
                    entry.sizes.add((frame.width, frame.height))
        except Exception:
            return

    def from_participant(self, participant_id: str, kind: str) -> list[Received]:
        return [r for r in self.received.values() if r.kind == kind and r.stream_id == participant_id]

    def frames_from(self, participant_id: str, kind: str) -> int:
        return sum(r.frames for r in self.from_participant(participant_id, kind))

    async def wait_frames(self, participant_id: str, kind: str, count: int = 5, timeout: float = 15.0) -> None:
        await eventually(lambda: self.frames_from(participant_id, kind) >= count, timeout=timeout)

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await self.pc.close()
        await super().close()
