"""Every use of aiortc's private internals, in one module.

aiortc has no forwarding path: a receiver always decodes and a sender always
encodes unless its track hands it an ``av.Packet``. The SFU needs three things
aiortc keeps private (research A1, sfu-prototype.md):

- the receive tap: each re-assembled, depayloaded frame goes into the receiver's
  ``__decoder_queue``; we swap that queue for one that hands frames to us and
  lets the decoder thread end at once (no decoding, no thread per publisher);
- the upstream keyframe request: ``RTCRtpReceiver._send_rtcp_pli``;
- the downstream keyframe request: a subscriber's PLI/FIR calls
  ``RTCRtpSender._send_keyframe``, which only flags the encoder we never use, so
  we replace it per sender; and the msid stream id of a sender (``_stream_id``);
- a receiver's RFC 3550 statistics of the publisher's media stream (packets,
  loss, jitter): its public ``inbound-rtp`` report keeps one entry per receiver,
  and a retransmission stream's overwrites the media stream's.

aiortc is pinned exactly (pyproject.toml). ``check()`` runs when the media
worker starts and tests/media/test_aiortc_hooks.py runs it too, so a changed
aiortc fails loudly instead of forwarding nothing.
"""
from __future__ import annotations

import inspect
import queue
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiortc
import aiortc.rtcpeerconnection as _peerconnection
import aiortc.rtcrtpsender as _sender
from aiortc import (
    RTCPeerConnection,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpreceiver import StreamStatistics
from aiortc.sdp import SessionDescription

PINNED_VERSION = "1.16.0"
_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_REMOTE_STREAMS = "_RTCRtpReceiver__remote_streams"
_RTX_SSRC = "_RTCRtpReceiver__rtx_ssrc"

FrameSink = Callable[[RTCRtpCodecParameters, JitterFrame], None]


class AiortcChanged(RuntimeError):
    """The installed aiortc is not the one these hooks were written against."""


def check() -> None:
    """Fail loudly if aiortc moved any name the SFU depends on."""
    if aiortc.__version__ != PINNED_VERSION:
        raise AiortcChanged(f"aiortc {aiortc.__version__} installed; media/aiortc_hooks.py is written for {PINNED_VERSION}")
    receiver_init = inspect.getsource(RTCRtpReceiver.__init__)
    handle = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    for name in ("__decoder_queue", "__remote_streams", "__rtx_ssrc"):
        if f"self.{name}" not in receiver_init:
            raise AiortcChanged(f"RTCRtpReceiver no longer sets {name}")
    if "self.__decoder_queue.put((codec, encoded_frame))" not in handle:
        raise AiortcChanged("RTCRtpReceiver._handle_rtp_packet no longer queues (codec, frame) for decoding")
    if not inspect.iscoroutinefunction(getattr(RTCRtpReceiver, "_send_rtcp_pli", None)):
        raise AiortcChanged("RTCRtpReceiver._send_rtcp_pli is gone")
    sender_rtcp = inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    if "self._send_keyframe()" not in sender_rtcp:
        raise AiortcChanged("RTCRtpSender no longer answers PLI/FIR through _send_keyframe")
    if "self.__encoder.pack(data)" not in inspect.getsource(RTCRtpSender._next_encoded_frame):
        raise AiortcChanged("RTCRtpSender no longer packs pre-encoded packets")
    if "self._stream_id" not in inspect.getsource(RTCRtpSender.__init__):
        raise AiortcChanged("RTCRtpSender no longer has _stream_id")
    offer = inspect.getsource(RTCPeerConnection.createOffer)
    if "await" in offer or "CODECS[transceiver.kind]" not in offer or "HEADER_EXTENSIONS[" not in offer:
        raise AiortcChanged("RTCPeerConnection.createOffer no longer numbers m-lines from the module's CODECS")
    if "clock.current_ntp_time()" not in inspect.getsource(RTCRtpSender._run_rtp) or not hasattr(_sender, "clock"):
        raise AiortcChanged("RTCRtpSender no longer reads aiortc.clock.current_ntp_time per packet")
    for name in ("CODECS", "HEADER_EXTENSIONS", "find_common_codecs", "find_common_header_extensions"):
        if not hasattr(_peerconnection, name):
            raise AiortcChanged(f"aiortc.rtcpeerconnection.{name} is gone")
    fresh = vars(StreamStatistics(90000))
    for name in ("packets_received", "packets_lost", "jitter", "_clockrate"):
        if name not in fresh and not isinstance(getattr(StreamStatistics, name, None), property):
            raise AiortcChanged(f"StreamStatistics no longer has {name}")


class _TapQueue(queue.Queue[Any]):
    """Stands in for the decoder queue: frames go to the sink, the decoder thread ends at once."""

    def __init__(self, sink: FrameSink) -> None:
        super().__init__()
        self.sink = sink

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is not None:
            codec, frame = item
            self.sink(codec, frame)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return None  # the decoder thread reads this as "stop" and exits: no thread per publisher


def tap_receiver(receiver: RTCRtpReceiver, sink: FrameSink) -> None:
    """Send the receiver's encoded frames to ``sink`` instead of its decoder.

    Must run before ``receive()`` starts the decoder thread (it does in ``pc.on("track")``,
    which fires during ``setRemoteDescription``); a later swap leaves the thread on the old queue.
    The sink runs on the event loop, inside ``_handle_rtp_packet``.
    """
    setattr(receiver, _DECODER_QUEUE, _TapQueue(sink))


def is_tapped(receiver: RTCRtpReceiver) -> bool:
    return isinstance(getattr(receiver, _DECODER_QUEUE, None), _TapQueue)


def media_ssrc(receiver: RTCRtpReceiver) -> int | None:
    """The publisher's media SSRC (not its retransmission SSRC), once a packet has arrived."""
    rtx = getattr(receiver, _RTX_SSRC, {})
    for ssrc in getattr(receiver, _REMOTE_STREAMS, {}):
        if ssrc not in rtx:
            return int(ssrc)
    return None


@dataclass(frozen=True, slots=True)
class ReceivedStream:
    """What a receiver counted of the publisher's media stream (cumulative, RFC 3550 §6.4.1)."""

    packets: int
    lost: int
    jitter_seconds: float


def received_stream(receiver: RTCRtpReceiver) -> ReceivedStream | None:
    """The publisher's media stream (not its retransmission stream), once a packet has arrived."""
    rtx = getattr(receiver, _RTX_SSRC, {})
    streams: dict[int, StreamStatistics] = getattr(receiver, _REMOTE_STREAMS, {})
    for ssrc, stream in streams.items():
        if ssrc not in rtx:
            return ReceivedStream(stream.packets_received, stream.packets_lost, stream.jitter / stream._clockrate)
    return None


async def request_keyframe(receiver: RTCRtpReceiver) -> bool:
    """Send a PLI to the publisher; False when no media SSRC is known yet."""
    ssrc = media_ssrc(receiver)
    if ssrc is None:
        return False
    await receiver._send_rtcp_pli(ssrc)
    return True


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the subscriber behind ``sender`` sends PLI or FIR."""
    sender._send_keyframe = callback  # type: ignore[method-assign]


def set_stream_id(sender: RTCRtpSender, stream_id: str) -> None:
    """The msid stream id the subscriber sees (aiortc gives every sender of a pc the same one)."""
    sender._stream_id = stream_id


@dataclass
class Numbering:
    """A participant's payload types and header-extension ids, per media kind."""

    codecs: dict[str, list[RTCRtpCodecParameters]] = field(default_factory=dict)
    extensions: dict[str, list[RTCRtpHeaderExtensionParameters]] = field(default_factory=dict)

    def learn(self, sdp: str) -> None:
        """Take the numbering of each kind from the first description that has it."""
        for media in SessionDescription.parse(sdp).media:
            if media.kind in ("audio", "video") and media.kind not in self.codecs and media.rtp.codecs:
                self.codecs[media.kind] = _peerconnection.find_common_codecs(
                    _peerconnection.CODECS[media.kind], media.rtp.codecs)
                self.extensions[media.kind] = _peerconnection.find_common_header_extensions(
                    _peerconnection.HEADER_EXTENSIONS[media.kind], media.rtp.headerExtensions)

    def accepts(self, mime_type: str) -> bool:
        kind = mime_type.split("/")[0].lower()
        known = self.codecs.get(kind)
        return known is None or any(c.mimeType.lower() == mime_type.lower() for c in known)


async def create_offer(pc: RTCPeerConnection, numbering: Numbering) -> RTCSessionDescription:
    """``pc.createOffer()`` numbered like the participant's own descriptions.

    aiortc reads the module's ``CODECS`` and ``HEADER_EXTENSIONS`` at the top of
    ``createOffer``, which never awaits (``check()`` makes sure), so swapping them
    around the call cannot leak into another connection.
    """
    codecs, extensions = _peerconnection.CODECS, _peerconnection.HEADER_EXTENSIONS
    _peerconnection.CODECS = {**codecs, **numbering.codecs}  # type: ignore[attr-defined]
    _peerconnection.HEADER_EXTENSIONS = {**extensions, **numbering.extensions}  # type: ignore[attr-defined]
    try:
        return await pc.createOffer()
    finally:
        _peerconnection.CODECS = codecs  # type: ignore[attr-defined]
        _peerconnection.HEADER_EXTENSIONS = extensions  # type: ignore[attr-defined]


NTP_UNIX_OFFSET = 2208988800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)


def ntp_now() -> int:
    """aiortc's ``clock.current_ntp_time()`` (64-bit NTP fixed point, microsecond precision) without datetimes."""
    micros = time.time_ns() // 1000
    seconds, fraction = divmod(micros, 1_000_000)
    return ((seconds + NTP_UNIX_OFFSET) << 32) | (fraction * (1 << 32) // 1_000_000)


def use_fast_clock() -> None:
    """Give aiortc's senders ``ntp_now`` (only the media worker calls this)."""
    clock = _sender.clock
    if isinstance(clock, types.SimpleNamespace):
        return
    _sender.clock = types.SimpleNamespace(  # type: ignore[assignment]
        **{name: getattr(clock, name) for name in dir(clock) if not name.startswith("__")})
    _sender.clock.current_ntp_time = ntp_now
