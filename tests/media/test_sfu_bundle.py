"""Every track reaches a subscriber when the server adds several of one kind in one offer.

aiortc's default bundle policy (balanced) gives the first new transceiver of a kind a transport
of its own and the next ones that same transport; applying the BUNDLE answer then moves only the
first to the bundled transport and discards the other: the server "sent" on a transport that
was never connected. A receive-only participant joining two publishers hit it (its first server
offer carries two audio and two video tracks). The client here bundles everything (max-bundle,
as browsers do in effect), so only the server's side is tested.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from media import aiortc_hooks
from tests.conftest import eventually
from tests.media.encoded import LoopedPackets, opus_frames, vp8_frames
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting


class BundledPeer(SfuPeer):
    """A receive-only peer (its connection bundles every m-line, like every SfuPeer's), counting frames per mid
    (no decoding)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.counts: dict[str, int] = {}
        self.on_receiver = self._tap

    def _tap(self, receiver: Any, mid: str) -> None:
        def sink(codec: Any, frame: Any) -> None:
            self.counts[mid] = self.counts.get(mid, 0) + 1

        aiortc_hooks.tap_receiver(receiver, sink)


async def test_a_receive_only_participant_gets_every_track_of_two_publishers(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    video, audio = vp8_frames(), opus_frames()
    publishers = [SfuPeer("A"), SfuPeer("B")]
    viewer = BundledPeer("Viewer")
    try:
        for peer in (*publishers, viewer):
            await peer.join_sfu(api, meeting["id"])
        await asyncio.gather(*(peer.publish(tracks=[LoopedPackets("video", video, 30), LoopedPackets("audio", audio, 50)])
                               for peer in publishers))
        a, b = publishers
        await a.wait_frames(b.participant_id, "video", 1)  # both publications are live
        await b.wait_frames(a.participant_id, "video", 1)
        await viewer.publish(video=None, audio=False)  # joins now: its first server offer carries all four
        await eventually(lambda: len(viewer.counts) == 4 and min(viewer.counts.values()) >= 10, timeout=15)
    finally:
        await asyncio.gather(*(peer.close() for peer in (*publishers, viewer)))
