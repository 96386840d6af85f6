"""A track one participant publishes to the SFU."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCRtpReceiver

from media import aiortc_hooks
from media.forwarding import Forwarder
from media.keyframes import KeyframeRequester

SOURCES = ("microphone", "camera", "screen", "screen-audio")


@dataclass(eq=False)
class Publication:
    participant_id: str
    mid: str
    kind: str      # "audio" | "video"
    source: str    # one of SOURCES
    receiver: RTCRtpReceiver
    forwarder: Forwarder = field(init=False)
    keyframes: KeyframeRequester = field(init=False)
    closed: bool = False

    def __post_init__(self) -> None:
        self.keyframes = KeyframeRequester(lambda: aiortc_hooks.request_keyframe(self.receiver))
        self.forwarder = Forwarder(self.kind, self.keyframes.request)

    @property
    def id(self) -> str:
        return f"{self.participant_id}:{self.mid}"

    @property
    def stream_id(self) -> str:
        """Camera and microphone share a stream (the browser syncs their playback); a screen has its own."""
        return f"{self.participant_id}~screen" if self.source.startswith("screen") else self.participant_id

    @property
    def wire_kind(self) -> str:
        return "screen" if self.kind == "video" and self.source == "screen" else self.kind

    def wire(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "kind": self.wire_kind,
            "source": self.source,
            "trackId": self.id,
            "streamId": self.stream_id,
        }

    def close(self) -> None:
        self.closed = True
        self.keyframes.close()
        self.forwarder.close()


def source_of(kind: str, declared: object) -> str:
    """The participant's label for a track, checked; by kind when absent or unknown."""
    if isinstance(declared, str):
        if kind == "video" and declared in ("camera", "screen"):
            return declared
        if kind == "audio" and declared in ("microphone", "screen-audio"):
            return declared
    return "camera" if kind == "video" else "microphone"
