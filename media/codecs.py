"""What the SFU needs to know about codecs without decoding: keyframes, picture size, and
which codec a subscriber's transceiver must use (the publisher's: there is no transcoding)."""
from __future__ import annotations

from aiortc import RTCRtpCodecCapability, RTCRtpCodecParameters, RTCRtpSender

VP8 = "video/vp8"
H264 = "video/h264"
OPUS = "audio/opus"
_VP8_START_CODE = b"\x9d\x01\x2a"


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """True for a frame a decoder can start from (every audio frame counts as one)."""
    mime = mime_type.lower()
    if mime == VP8:
        return bool(data) and not data[0] & 1
    if mime == H264:
        return any(nal_type in (5, 7) for nal_type in _h264_nal_types(data))
    return True


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe's header (RFC 6386 §9.1), or None."""
    if len(data) < 10 or data[0] & 1 or data[3:6] != _VP8_START_CODE:
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return width, height


def _h264_nal_types(data: bytes) -> list[int]:
    types = []
    start = data.find(b"\x00\x00\x01")
    while start != -1 and start + 3 < len(data):
        types.append(data[start + 3] & 0x1F)
        start = data.find(b"\x00\x00\x01", start + 3)
    return types


def preferences_for(codec: RTCRtpCodecParameters) -> list[RTCRtpCodecCapability]:
    """The capabilities that pin a subscriber's transceiver to ``codec`` (with RTX for video)."""
    kind = codec.mimeType.split("/")[0].lower()
    wanted = codec.mimeType.lower()
    chosen: list[RTCRtpCodecCapability] = []
    for capability in RTCRtpSender.getCapabilities(kind).codecs:
        mime = capability.mimeType.lower()
        if mime != wanted:
            continue
        if mime == H264 and str(capability.parameters.get("packetization-mode")) != str(codec.parameters.get("packetization-mode")):
            continue
        chosen.append(capability)
    if not chosen:
        raise ValueError(f"no local codec matches {codec.mimeType}")
    if kind == "video":
        chosen += [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType.lower() == "video/rtx"]
    return chosen
