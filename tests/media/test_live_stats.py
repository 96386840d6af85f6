"""GET /api/meetings/:id/live-stats and the admin's realtime view, with real aiortc peers.

Two publishers send pre-encoded VP8 and Opus (nothing is encoded or decoded on either side: the
receivers are tapped); a third participant only receives. The figures must count what flows
(4 producers, each forwarded to the 2 other participants), and the bitrates must be the bits per
second actually sent, within the slack of a measurement over a couple of seconds.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient

from media import aiortc_hooks
from tests.admin.support import admin_server, close_all, ok, user
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser
from tests.http.openapi_support import Contract, assert_every_success_checked, contract_of
from tests.media.encoded import LoopedPackets, opus_frames, vp8_frames
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting
from tests.meetings.support import Bot

VIDEO_FPS, AUDIO_PPS = 30, 50


class TappedPeer(SfuPeer):
    """Receives without decoding: counts the encoded frames per kind and per track (mid)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.counts = {"audio": 0, "video": 0}
        self.tracks: dict[str, int] = {}
        self.on_receiver = self._tap

    def _tap(self, receiver: Any, mid: str) -> None:
        def sink(codec: Any, frame: Any) -> None:
            self.counts[codec.mimeType.split("/")[0].lower()] += 1
            self.tracks[mid] = self.tracks.get(mid, 0) + 1

        aiortc_hooks.tap_receiver(receiver, sink)


@asynccontextmanager
async def peers(*names: str) -> AsyncIterator[list[TappedPeer]]:
    group = [TappedPeer(name) for name in names]
    try:
        yield group
    finally:
        await asyncio.gather(*(peer.close() for peer in group))


async def test_live_stats_count_what_flows_and_the_admin_sees_it(start_server: StartServer) -> None:
    api = await admin_server(start_server)  # api's own cookie jar is the site admin's
    contract = await contract_of(api)
    owner = await user(api)
    video, audio = vp8_frames(count=60, gop=30), opus_frames()
    sent_bps = 2 * 8 * (sum(map(len, video)) / len(video) * VIDEO_FPS + sum(map(len, audio)) / len(audio) * AUDIO_PPS)
    try:
        resp = await owner["browser"].post("/api/meetings", json={"title": "Stats", "mediaMode": "sfu"},
                                           headers=owner["key"])
        meeting = await ok(resp, 201)
        url = f"/api/meetings/{meeting['meetingId']}/live-stats"
        host = {"x-admin-token": meeting["adminToken"]}

        async def stats(**headers: str) -> dict[str, Any]:
            async with browser(api) as anonymous:
                body = await contract.check(await anonymous.get(url, headers=headers or owner["key"]))
            assert isinstance(body, dict)
            return body

        idle = await stats()  # an sfu meeting nobody has connected media to
        assert (idle["media_mode"], idle["active_participants"], idle["producers"], idle["consumers"]) == ("sfu", 0, 0, 0)
        assert idle["bitrate"] == {"incoming": 0, "outgoing": 0}
        assert idle["quality_stats"] == {"average_rtt": None, "packet_loss_rate": None, "jitter": None}

        async with peers("A", "B", "C") as (a, b, c):
            for peer in (a, b, c):
                await peer.join_sfu(api, meeting["meetingId"])
            await c.publish(video=None, audio=False)  # receive only
            for peer in (a, b):
                await peer.publish(tracks=[LoopedPackets("video", video, VIDEO_FPS), LoopedPackets("audio", audio, AUDIO_PPS)])
            await eventually(lambda: len(c.tracks) == 4 and min(c.tracks.values()) > 10 and a.counts["video"] > 10
                             and b.counts["video"] > 10, timeout=20)

            counted = await stats(**host)
            assert counted["media_mode"] == "sfu" and counted["meeting_id"] == meeting["meetingId"]
            assert (counted["active_participants"], counted["media_participants"], counted["publishers"]) == (3, 3, 2)
            assert counted["producers"] == 4 and counted["producers_by_kind"] == {"audio": 2, "video": 2, "screen": 0}
            assert counted["consumers"] == 8  # each of the 4 tracks to the 2 other participants

            await asyncio.sleep(2.0)  # a window of ~2 s of steady flow since the call above
            steady = await stats()
            assert 1.5 <= steady["window_seconds"] <= 6.0, steady
            incoming, outgoing = steady["bitrate"]["incoming"], steady["bitrate"]["outgoing"]
            assert 0.6 * sent_bps <= incoming <= 1.5 * sent_bps, (incoming, sent_bps)
            assert 1.3 * incoming <= outgoing <= 2.6 * incoming, (incoming, outgoing)  # every track to 2 others
            packets_sent = 2 * (VIDEO_FPS + AUDIO_PPS)  # at least one packet per frame
            assert steady["packet_rate"]["incoming"] >= 0.6 * packets_sent, steady
            assert steady["packet_rate"]["outgoing"] >= 1.3 * steady["packet_rate"]["incoming"], steady
            assert steady["quality_stats"]["jitter"] is not None
            assert steady["quality_stats"]["packet_loss_rate"] is not None

            async def measured_rtt() -> bool:  # the subscribers' receiver reports come every ~1 s
                return (await stats())["quality_stats"]["average_rtt"] is not None

            await eventually(measured_rtt, timeout=10, interval=0.5)

            live = await ok(await api.get("/admin/api/analytics/realtime"))
            assert live["activeMeetings"] == 1 and live["totalParticipants"] == 3 and live["activeRecordings"] == 0
            media = live["media"]
            assert (media["worker"], media["sfuMeetings"], media["mediaRooms"], media["mediaParticipants"]) == (
                "running", 1, 1, 3)
            assert (media["publishers"], media["producers"], media["consumers"]) == (2, 4, 8)
            assert media["bitrateIn"] > 0 and media["bitrateOut"] > media["bitrateIn"]
            assert media["packetsInPerSecond"] > 0 and media["packetsOutPerSecond"] > 0
            [entry] = live["meetingList"]
            assert entry["id"] == meeting["meetingId"] and entry["mediaMode"] == "sfu"
            assert entry["participantCount"] == 3 and entry["isRecording"] is False
            assert (entry["publishers"], entry["consumers"]) == (2, 8) and entry["bitrateOut"] > 0
    finally:
        await close_all(owner)
    assert_every_success_checked(contract, "live stats")


async def test_live_stats_need_the_tenant_or_the_host_and_a_mesh_meeting_has_no_media(
    api: TestClient, contract: Contract
) -> None:
    meeting = await new_meeting(api, title="Mesh")
    other = await new_meeting(api, title="Someone else's")
    url = f"/api/meetings/{meeting['id']}/live-stats"
    async with browser(api) as anonymous:
        async def status(path: str, headers: dict[str, str]) -> tuple[int, Any]:
            resp = await anonymous.get(path, headers=headers)
            return resp.status, await contract.check(resp)

        bot = Bot()
        try:
            await bot.connect(api)
            await bot.join(meeting["id"], "Guest")
            code, mesh = await status(url, meeting["key"])
            assert code == 200 and mesh["media_mode"] == "mesh" and mesh["active_participants"] == 1
            assert (mesh["media_participants"], mesh["producers"], mesh["consumers"]) == (0, 0, 0)
            assert mesh["bitrate"] == {"incoming": 0, "outgoing": 0} and mesh["packet_rate"] == mesh["bitrate"]
            assert mesh["quality_stats"] == {"average_rtt": None, "packet_loss_rate": None, "jitter": None}
            code, hosted = await status(url, {"x-admin-token": meeting["adminToken"]})
            assert code == 200 and hosted["meeting_id"] == meeting["id"]
        finally:
            await bot.close()

        assert await status(url, {}) == (401, {"error": "Invalid or missing API key", "code": "invalid_api_key"})
        code, body = await status(url, {"x-admin-token": other["adminToken"]})
        assert code == 401 and body["code"] == "invalid_api_key"  # another meeting's token is no credential here
        assert (await status(url, other["key"]))[1]["code"] == "meeting_not_found"  # another tenant's: 404
        code, body = await status("/api/meetings/000-0000-000/live-stats", meeting["key"])
        assert (code, body["code"]) == (404, "meeting_not_found")
        await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        code, body = await status(url, meeting["key"])
        assert (code, body["code"]) == (404, "meeting_not_found")  # ended
