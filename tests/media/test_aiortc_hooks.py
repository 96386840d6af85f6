"""The one module that reaches into aiortc's private internals fails loudly when aiortc moves."""
from __future__ import annotations

import queue

import aiortc
import pytest
from aiortc import RTCRtpReceiver, clock
from aiortc.rtcdtlstransport import RTCCertificate, RTCDtlsTransport
from aiortc.rtcicetransport import RTCIceGatherer, RTCIceTransport

from media import aiortc_hooks


def test_the_installed_aiortc_is_the_one_the_hooks_were_written_for() -> None:
    aiortc_hooks.check()  # raises AiortcChanged on any moved name


def test_another_aiortc_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aiortc, "__version__", "1.17.0")
    with pytest.raises(aiortc_hooks.AiortcChanged, match="1.17.0"):
        aiortc_hooks.check()


def test_a_receiver_without_the_decoder_queue_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    source = "def __init__(self, kind, transport):\n    self._enabled = True\n"
    monkeypatch.setattr(aiortc_hooks.inspect, "getsource",
                        lambda obj: source if obj is RTCRtpReceiver.__init__ else "")
    with pytest.raises(aiortc_hooks.AiortcChanged, match="__decoder_queue"):
        aiortc_hooks.check()


async def test_the_tap_replaces_the_decoder_queue_and_ends_the_decoder_thread_at_once() -> None:
    transport = RTCDtlsTransport(RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()])
    receiver = RTCRtpReceiver("video", transport)
    got: list[object] = []
    assert isinstance(receiver._RTCRtpReceiver__decoder_queue, queue.Queue)
    aiortc_hooks.tap_receiver(receiver, lambda codec, frame: got.append((codec, frame)))
    assert aiortc_hooks.is_tapped(receiver)
    tapped = receiver._RTCRtpReceiver__decoder_queue
    tapped.put(("codec", "frame"))
    assert got == [("codec", "frame")]
    assert tapped.get() is None  # what makes aiortc's decoder thread stop as soon as it starts
    assert aiortc_hooks.media_ssrc(receiver) is None  # no packet yet
    assert await aiortc_hooks.request_keyframe(receiver) is False


def test_the_fast_sender_clock_tells_aiortc_s_ntp_time() -> None:
    for _ in range(5):
        ours, theirs = aiortc_hooks.ntp_now(), clock.current_ntp_time()
        assert abs(ours - theirs) < (1 << 32) // 1000  # within a millisecond
