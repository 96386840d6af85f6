"""Leaving, kicks and the end of a meeting close media connections, and leave nothing behind."""
from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from aiohttp.test_utils import TestClient

from server.media import MEDIA
from tests.conftest import eventually
from tests.media.encoded import LoopedPackets, opus_frames, vp8_frames
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting
from tests.meetings.support import quiet

VIDEO, AUDIO = vp8_frames(), opus_frames()


def packets() -> list[Any]:
    return [LoopedPackets("video", VIDEO, 30), LoopedPackets("audio", AUDIO, 50)]


async def health(api: TestClient) -> dict[str, Any]:
    return await api.server.app[MEDIA].health()


async def test_a_leaver_s_tracks_are_removed_and_stop(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    a, b, c = SfuPeer("A"), SfuPeer("B"), SfuPeer("C")
    try:
        for peer in (a, b, c):
            await peer.join_sfu(api, meeting["id"])
            await peer.publish(tracks=packets())
        for peer, others in ((a, (b, c)), (b, (a, c)), (c, (a, b))):
            for other in others:
                await peer.wait_frames(other.participant_id, "video", 5)
        await c.sio.emit("leave-meeting", {})
        for peer in (a, b):
            await eventually(lambda p=peer: len(p.got("sfu:track-removed")) == 2)
            removed = peer.got("sfu:track-removed")
            assert {(r["participantId"], r["kind"]) for r in removed} == {(c.participant_id, "video"),
                                                                            (c.participant_id, "audio")}
        await quiet(0.5)
        counts = {peer.name: (peer.frames_from(c.participant_id, "video"), peer.frames_from(c.participant_id, "audio"))
                  for peer in (a, b)}
        await asyncio.sleep(1.0)
        assert counts == {peer.name: (peer.frames_from(c.participant_id, "video"),
                                      peer.frames_from(c.participant_id, "audio")) for peer in (a, b)}
        # The others still hear and see each other.
        before = a.frames_from(b.participant_id, "video")
        await a.wait_frames(b.participant_id, "video", before + 10)
    finally:
        for peer in (a, b, c):
            await peer.close()


async def test_kick_and_end_close_every_connection_without_leaks(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    host, guest, other = SfuPeer("Host"), SfuPeer("Guest"), SfuPeer("Other")
    baseline = await health(api)  # starts the worker: nobody connected yet
    try:
        await host.join_sfu(api, meeting["id"], isAdmin=True, adminToken=meeting["adminToken"])
        await host.publish(tracks=packets())
        await guest.join_sfu(api, meeting["id"])
        await other.join_sfu(api, meeting["id"])
        await guest.publish(tracks=packets())
        await other.publish(tracks=packets())
        await host.wait_frames(guest.participant_id, "video", 5)
        busy = await health(api)
        assert busy["peers"] == 3
        assert busy["threads"] == baseline["threads"]  # no decoder thread per publisher

        resp = await api.post(f"/api/meetings/{meeting['id']}/participants/{guest.participant_id}/kick",
                              headers=meeting["admin"])
        assert resp.status == 200, await resp.text()
        await eventually(lambda: guest.pc.connectionState in ("failed", "closed"), timeout=45)
        await eventually(lambda: len(host.got("sfu:track-removed")) == 2)
        assert (await health(api))["peers"] == 2

        resp = await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        assert resp.status == 200, await resp.text()
        await eventually(lambda: host.pc.connectionState in ("failed", "closed")
                         and other.pc.connectionState in ("failed", "closed"), timeout=45)

        async def drained() -> bool:
            now = await health(api)
            return now["peers"] == 0 and now["rooms"] == 0
        await eventually(drained, timeout=10)
        after = await health(api)
        print("worker before", baseline, "busy", busy, "after", after)
        assert busy["tasks"] > baseline["tasks"] + 10 and busy["fds"] > baseline["fds"] + 3  # the counts see peers
        assert after["tasks"] == baseline["tasks"], (baseline, after)
        assert after["fds"] == baseline["fds"], (baseline, after)
        assert after["threads"] == baseline["threads"], (baseline, after)
    finally:
        for peer in (host, guest, other):
            await peer.close()


async def test_a_crashed_media_worker_is_replaced_and_participants_reconnect(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    a, b = SfuPeer("A"), SfuPeer("B")
    try:
        for peer in (a, b):
            await peer.join_sfu(api, meeting["id"])
            await peer.publish(tracks=packets())
        await a.wait_frames(b.participant_id, "video", 5)
        old = await health(api)
        os.kill(old["pid"], signal.SIGKILL)
        for peer in (a, b):
            closed = await peer.wait_for("sfu:closed", timeout=10)
            assert closed == {"reason": "The media server restarted"}
        for peer in (a, b):  # what the web client does on sfu:closed
            await peer.new_connection()
            await peer.publish(tracks=packets())
        await a.wait_frames(b.participant_id, "video", 5)
        await b.wait_frames(a.participant_id, "video", 5)
        assert (await health(api))["pid"] != old["pid"]
    finally:
        await a.close()
        await b.close()
