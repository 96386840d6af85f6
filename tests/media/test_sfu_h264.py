"""A publisher that prefers H.264 is forwarded in H.264: the subscriber's m-line is pinned to it."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from aiortc import RTCRtpSender
from aiortc.sdp import SessionDescription

from tests.media.sfu_client import PatternVideo, SfuPeer
from tests.meetings.socket_support import new_meeting


async def test_h264_publisher_reaches_subscribers_in_h264(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    publisher, subscriber = SfuPeer("H264"), SfuPeer("Viewer")
    try:
        await publisher.join_sfu(api, meeting["id"])
        await subscriber.join_sfu(api, meeting["id"])
        await subscriber.publish(video=None, audio=False)
        transceiver = publisher.pc.addTransceiver(PatternVideo(176, 144), direction="sendonly")
        transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                         if c.mimeType in ("video/H264", "video/rtx")])
        await publisher.publish(tracks=[])
        await subscriber.wait_frames(publisher.participant_id, "video", 10)
        sizes = set().union(*(r.sizes for r in subscriber.from_participant(publisher.participant_id, "video")))
        assert sizes == {(176, 144)}
        description = SessionDescription.parse(subscriber.pc.remoteDescription.sdp)
        video = [m for m in description.media if m.kind == "video" and m.msid
                 and m.msid.split()[0] == publisher.participant_id]
        assert len(video) == 1
        assert {codec.mimeType for codec in video[0].rtp.codecs} <= {"video/H264", "video/rtx"}
        assert "video/H264" in {codec.mimeType for codec in video[0].rtp.codecs}
    finally:
        await publisher.close()
        await subscriber.close()
