"""Fan-out of one published track's encoded frames to its subscribers, without codec work.

A ``Forwarder`` receives each re-assembled frame once (from the receive tap) and
hands its bytes to every subscriber's ``ForwardTrack``, whose ``recv()`` returns
them as a packet (not a decoded frame), so aiortc's sender takes its ``pack()``
path: it re-packetises the frame with the subscriber's own SSRC, sequence
numbers, timestamps and VP8 picture ids. Nothing is decoded or encoded.

Video is gated per subscriber: delta frames are dropped until that subscriber's
first keyframe, and a subscriber whose queue overflows is cleared, gated again and
gets a keyframe request (aiortc renumbers picture ids without gaps, so a dropped
frame would otherwise corrupt the picture until the next keyframe).
"""
from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
from aiortc import MediaStreamTrack, RTCRtpCodecParameters
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError

from media.codecs import is_keyframe

VIDEO_QUEUE = 60   # frames: two seconds at 30 fps
AUDIO_QUEUE = 50   # frames: one second of 20 ms Opus
AUDIO_BACKLOG = 5  # frames kept for a subscriber whose connection is not up yet (100 ms)


@dataclass(frozen=True, slots=True)
class MediaFrame:
    """One encoded frame as it arrived: what the recorder and the statistics see."""

    data: bytes
    pts: int          # in the codec's clock (90 kHz video, 48 kHz Opus), zero at the first frame
    keyframe: bool


FrameListener = Callable[[MediaFrame], None]


class Forwarder:
    """One published track: the codec it arrived in and who receives it."""

    def __init__(self, kind: str, request_keyframe: Callable[[], None]) -> None:
        self.kind = kind
        self.codec: RTCRtpCodecParameters | None = None
        self.request_keyframe = request_keyframe
        self.subscribers: set[ForwardTrack] = set()
        self.listeners: list[FrameListener] = []
        self.frames_in = 0
        self.bytes_in = 0
        self.started_at: float | None = None  # time.monotonic() of the first frame (rates are measured from it)
        self.on_first_frame: Callable[[Forwarder], None] | None = None

    @property
    def live(self) -> bool:
        return self.codec is not None

    def on_frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        """The receive tap: called on the event loop for every complete frame."""
        first = self.codec is None
        if first:
            self.started_at = time.monotonic()
        self.codec = codec
        data = frame.data
        keyframe = is_keyframe(codec.mimeType, data)
        self.frames_in += 1
        self.bytes_in += len(data)
        if first and self.on_first_frame is not None:
            self.on_first_frame(self)  # the recorder starts listening here: it gets this frame too
        time_base = _time_base(codec.clockRate)
        for track in self.subscribers:
            track.offer(data, frame.timestamp, time_base, keyframe)
        if self.listeners:
            media = MediaFrame(data, frame.timestamp, keyframe)
            for listener in self.listeners:
                listener(media)

    def attach(self, track: ForwardTrack) -> None:
        track.source = self
        track.h264 = self.codec is not None and self.codec.mimeType.lower() == "video/h264"
        track.restart()
        self.subscribers.add(track)
        if self.kind == "video":
            self.request_keyframe()

    def detach(self, track: ForwardTrack) -> None:
        self.subscribers.discard(track)
        if track.source is self:
            track.source = None

    def close(self) -> None:
        for track in list(self.subscribers):
            self.detach(track)
        self.listeners.clear()


class ForwardTrack(MediaStreamTrack):
    """A subscriber's outgoing track: ``recv()`` yields the publisher's packets, re-timed.

    One lives as long as its transceiver; when its publisher leaves it is detached and
    idles, and it can be re-attached to another publisher of the same kind and codec
    (the m-line is reused). Timestamps continue from where the last source stopped so
    the subscriber's jitter buffer never sees a jump backwards.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.source: Forwarder | None = None
        self.queue: asyncio.Queue[EncodedFrame | av.Packet] = asyncio.Queue(VIDEO_QUEUE if kind == "video" else AUDIO_QUEUE)
        self.waiting_keyframe = kind == "video"
        self.frames_out = 0
        self.bytes_out = 0
        self.drops = 0
        self._offset: int | None = None
        self._last_pts = 0
        self._step = 3000 if kind == "video" else 960
        self.h264 = False
        self.sending = False  # set at the sender's first recv(): the subscriber's connection is up

    def want_keyframe(self) -> None:
        """The subscriber sent PLI or FIR: ask the publisher (throttled there)."""
        if self.source is not None and self.kind == "video":
            self.source.request_keyframe()

    def restart(self) -> None:
        """A new source (or a resync): start at its next keyframe, continuing the timeline."""
        self.waiting_keyframe = self.kind == "video"
        self._offset = None
        self._drain()

    def offer(self, data: bytes, pts: int, time_base: fractions.Fraction, keyframe: bool) -> None:
        if self.waiting_keyframe:
            if not keyframe:
                return
            self.waiting_keyframe = False
        if not self.sending:
            self._trim_before_start(keyframe)
        elif self.queue.full():
            # The subscriber's link cannot keep up: drop what waits and start again at a keyframe
            # (aiortc numbers pictures without gaps, so a hole would corrupt the picture).
            self.drops += 1
            self.restart()
            if self.kind == "video":
                self.want_keyframe()
                return
        if self._offset is None:
            self._offset = self._last_pts + self._step - pts
        out_pts = pts + self._offset
        self._last_pts = out_pts
        if self.h264:
            packet = av.Packet(data)  # aiortc's H.264 pack() insists on a real av.Packet
            packet.pts = out_pts
            packet.time_base = time_base
            self.queue.put_nowait(packet)
        else:
            self.queue.put_nowait(EncodedFrame(data, out_pts, time_base))

    def _trim_before_start(self, keyframe: bool) -> None:
        """Until the subscriber's connection is up, keep only what it should see first: video
        from the newest keyframe on, the last few audio frames. Its first picture is then fresh,
        not the backlog of the seconds ICE and DTLS took."""
        if self.kind == "video":
            if keyframe or self.queue.full():
                self._drain()
                self.waiting_keyframe = not keyframe
        elif self.queue.qsize() >= AUDIO_BACKLOG:
            self.queue.get_nowait()

    def _drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()

    async def recv(self) -> EncodedFrame | av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        if not self.sending:
            self.sending = True  # aiortc's sender runs: the connection is up
            if self.waiting_keyframe:
                self.want_keyframe()
        packet = await self.queue.get()
        self.frames_out += 1
        self.bytes_out += packet.size if isinstance(packet, av.Packet) else len(packet.data)
        return packet


class EncodedFrame:
    """What VP8's and Opus's ``pack()`` read of an ``av.Packet`` (its bytes, pts and time base),
    without copying the frame into a new FFmpeg buffer for every subscriber."""

    __slots__ = ("data", "pts", "time_base")

    def __init__(self, data: bytes, pts: int, time_base: fractions.Fraction) -> None:
        self.data = data
        self.pts = pts
        self.time_base = time_base

    def __bytes__(self) -> bytes:
        return self.data


_TIME_BASES: dict[int, fractions.Fraction] = {}


def _time_base(clock_rate: int) -> fractions.Fraction:
    base = _TIME_BASES.get(clock_rate)
    if base is None:
        base = _TIME_BASES[clock_rate] = fractions.Fraction(1, clock_rate)
    return base
