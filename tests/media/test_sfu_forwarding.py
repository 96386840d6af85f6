"""The SFU forwards every participant's audio and video to every other one, as sent."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient

from media import aiortc_hooks
from tests.conftest import eventually
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting

SIZES = [(320, 240), (352, 288), (256, 192), (288, 160)]


@asynccontextmanager
async def peers(count: int) -> AsyncIterator[list[SfuPeer]]:
    group = [SfuPeer(f"P{i}") for i in range(count)]
    try:
        yield group
    finally:
        await asyncio.gather(*(peer.close() for peer in group))


async def test_three_publishers_each_receive_the_other_two_s_audio_and_video(api: TestClient) -> None:
    meeting = await new_meeting(api, title="SFU", mediaMode="sfu")
    assert meeting["settings"]["mediaMode"] == "sfu"
    async with peers(3) as group:
        for peer in group:
            await peer.join_sfu(api, meeting["id"])
        for peer, size in zip(group, SIZES, strict=False):
            await peer.publish(video=size)
        for peer in group:
            for other, size in zip(group, SIZES, strict=False):
                if other is peer:
                    continue
                await peer.wait_frames(other.participant_id, "video", 10)
                await peer.wait_frames(other.participant_id, "audio", 10)
                sizes = set().union(*(r.sizes for r in peer.from_participant(other.participant_id, "video")))
                assert sizes == {size}, (peer.name, other.name, sizes)
            assert peer.frames_from(peer.participant_id, "video") == 0  # nobody gets their own media back
            added = peer.got("sfu:track-added")
            assert {(a["participantId"], a["kind"], a["streamId"]) for a in added} == {
                (o.participant_id, kind, o.participant_id) for o in group if o is not peer for kind in ("audio", "video")}


def counting_tap(counts: dict[str, int]) -> Any:
    """Receive without decoding (only the late joiner decodes here): count frames per mid."""
    def tap(receiver: Any, mid: str) -> None:
        def sink(codec: Any, frame: Any) -> None:
            counts[mid] = counts.get(mid, 0) + 1
        aiortc_hooks.tap_receiver(receiver, sink)
    return tap


async def test_a_late_joiner_sees_everyone_s_video_within_two_seconds(api: TestClient) -> None:
    """aiortc publishers only send a keyframe when asked: the late joiner's picture depends on
    the SFU relaying a keyframe request to each publisher."""
    meeting = await new_meeting(api, title="SFU", mediaMode="sfu")
    async with peers(4) as group:
        first3, late = group[:3], group[3]
        counts: dict[str, int] = {}
        for peer in first3:
            peer.on_receiver = counting_tap(counts)
            await peer.join_sfu(api, meeting["id"])
            await peer.publish(video=(160, 120), audio=False)
        await eventually(lambda: sum(counts.values()) >= 60, timeout=15)  # media flows between the three
        await asyncio.sleep(1.5)  # past every publisher's start-up keyframes

        await late.join_sfu(api, meeting["id"])
        started = time.monotonic()
        await late.publish(video=None, audio=False)
        firsts = []
        for other in first3:
            await late.wait_frames(other.participant_id, "video", 1, timeout=10)
            firsts.append(round(min(r.first_at or 0 for r in late.from_participant(other.participant_id, "video"))
                                - started, 2))
        assert max(firsts) < 2.0, f"late joiner's first picture from each publisher after {firsts} s"
