"""Forwarding does not transcode: a subscriber receives exactly the bytes its publisher encoded."""
from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from media import aiortc_hooks
from tests.conftest import eventually
from tests.media.encoded import LoopedPackets, opus_frames, vp8_frames
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting


async def test_subscribers_get_the_publishers_encoded_frames_byte_for_byte(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    video, audio = vp8_frames(), opus_frames()
    publisher, subscriber = SfuPeer("Pub"), SfuPeer("Sub")
    got: dict[str, list[tuple[str, bytes]]] = {"video": [], "audio": []}

    def tap(receiver: Any, mid: str) -> None:
        # On the subscriber's side, keep the depayloaded frames instead of decoding them.
        aiortc_hooks.tap_receiver(receiver, lambda codec, frame: got[codec.mimeType.split("/")[0].lower()].append(
            (codec.mimeType, bytes(frame.data))))

    subscriber.on_receiver = tap
    try:
        await publisher.join_sfu(api, meeting["id"])
        await subscriber.join_sfu(api, meeting["id"])
        await subscriber.publish(video=None, audio=False)  # receive only
        await publisher.publish(tracks=[LoopedPackets("video", video, 30), LoopedPackets("audio", audio, 50)])
        await eventually(lambda: len(got["video"]) >= 40 and len(got["audio"]) >= 60, timeout=15)
    finally:
        await publisher.close()
        await subscriber.close()
    sent_video, sent_audio = set(video), set(audio)
    assert {mime for mime, _ in got["video"]} == {"video/VP8"}
    assert {mime for mime, _ in got["audio"]} == {"audio/opus"}
    assert all(data in sent_video for _, data in got["video"]), "a forwarded VP8 frame differs from every sent one"
    assert all(data in sent_audio for _, data in got["audio"]), "a forwarded Opus packet differs from every sent one"
    # The first frame a subscriber gets is a keyframe (delta frames are held back until one arrives).
    first = got["video"][0][1]
    assert not first[0] & 1
    # And they come in the publisher's order: consecutive frames of the loop.
    positions = [video.index(data) for _, data in got["video"][:20]]
    assert all((b - a) % len(video) == 1 for a, b in zip(positions, positions[1:], strict=False)), positions
