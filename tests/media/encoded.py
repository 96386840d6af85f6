"""Pre-encoded media for the tests that check the SFU passes frames through untouched."""
from __future__ import annotations

import asyncio
import fractions
import time

import av
from aiortc import MediaStreamTrack

from media.forwarding import EncodedFrame

VIDEO_RATE, AUDIO_RATE = 90000, 48000


def vp8_frames(count: int = 30, width: int = 160, height: int = 120, gop: int = 10) -> list[bytes]:
    """``count`` VP8 frames of a moving pattern, a keyframe every ``gop`` frames."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = fractions.Fraction(1, 30)
    codec.gop_size = gop
    codec.bit_rate = 300_000
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    out: list[bytes] = []
    for index in range(count):
        frame = av.VideoFrame(width, height, "yuv420p")
        for number, plane in enumerate(frame.planes):
            row = bytes((x * 2 + index * 5 + number * 40) % 256 for x in range(plane.line_size))
            plane.update(row * plane.height)
        frame.pts = index
        frame.time_base = codec.time_base
        picture_type = av.video.frame.PictureType.I if index % gop == 0 else av.video.frame.PictureType.NONE
        frame.pict_type = picture_type
        out += [bytes(packet) for packet in codec.encode(frame)]
    out += [bytes(packet) for packet in codec.encode(None)]
    return out


def opus_frames(count: int = 50) -> list[bytes]:
    """``count`` 20 ms Opus packets of a tone."""
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = AUDIO_RATE, "stereo", "s16"
    codec.bit_rate = 64_000
    samples = 960
    out: list[bytes] = []
    for index in range(count):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
        pcm = b"".join(((3000 if ((index * samples + i) // 40) % 2 else -3000).to_bytes(2, "little", signed=True)) * 2
                       for i in range(samples))
        frame.planes[0].update(pcm)
        frame.sample_rate = AUDIO_RATE
        frame.pts = index * samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        out += [bytes(packet) for packet in codec.encode(frame)]
    return out


class LoopedPackets(MediaStreamTrack):
    """A publisher track that sends the given encoded frames in a loop (aiortc packs, never encodes)."""

    def __init__(self, kind: str, frames: list[bytes], per_second: float) -> None:
        super().__init__()
        self.kind = kind
        self.frames = frames
        self.per_second = per_second
        self.clock = VIDEO_RATE if kind == "video" else AUDIO_RATE
        self.step = int(self.clock / per_second)
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> EncodedFrame:  # type: ignore[override]
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent / self.per_second - time.monotonic()))
        data = self.frames[self.sent % len(self.frames)]
        frame = EncodedFrame(data, self.sent * self.step, fractions.Fraction(1, self.clock))
        self.sent += 1
        return frame
