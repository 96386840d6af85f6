"""The sfu:* events check who sends them and what they carry (docs/PROTOCOL.md §9)."""
from __future__ import annotations

import random

from aiohttp.test_utils import TestClient
from aiortc import RTCSessionDescription

from tests.conftest import eventually
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting
from tests.meetings.support import bots


async def test_media_mode_is_reported_everywhere_and_patchable(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    assert meeting["settings"]["mediaMode"] == "sfu"
    resp = await api.get(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
    assert (await resp.json())["settings"]["mediaMode"] == "sfu"
    async with bots(api, 1) as (bot,):
        joined = await bot.join(meeting["id"], "Ann")
        assert joined["settings"]["mediaMode"] == "sfu"
        resp = await api.patch(f"/api/meetings/{meeting['id']}/settings", json={"mediaMode": "mesh"},
                               headers=meeting["admin"])
        assert resp.status == 200
        update = await bot.wait_for("meeting:settings-updated")
        assert update["mediaMode"] == "mesh"


async def test_sfu_events_in_a_mesh_meeting_or_outside_a_meeting_are_refused(api: TestClient) -> None:
    meeting = await new_meeting(api)  # mesh: the default
    async with bots(api, 2) as (outsider, member):
        error = await outsider.refused("sfu:offer", {"sdp": "v=0"})
        assert (error["event"], error["code"]) == ("sfu:offer", "participant_not_found")
        await member.join(meeting["id"], "Ann")
        for event, payload in (("sfu:offer", {"sdp": "v=0"}), ("sfu:answer", {"sdp": "v=0"}),
                               ("sfu:ice-candidate", {"candidate": None})):
            error = await member.refused(event, payload)
            assert (error["code"], error["message"]) == ("not_sfu", "This meeting uses mesh mode; set mediaMode to 'sfu' first")


async def test_bad_sfu_payloads_get_clear_errors_and_change_nothing(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    async with bots(api, 1) as (bot,):
        await bot.join(meeting["id"], "Ann")
        cases = [
            ("sfu:offer", {}, "sdp must be a non-empty string"),
            ("sfu:offer", {"sdp": 5}, "sdp must be a non-empty string"),
            ("sfu:offer", {"sdp": "x" * 140_000}, "sdp is longer than 131072 characters"),
            ("sfu:offer", {"sdp": "v=0", "sources": ["camera"]}, "sources must be an object of at most 16 track ids"),
            ("sfu:answer", {"sdp": ""}, "sdp must be a non-empty string"),
            ("sfu:ice-candidate", {"candidate": "candidate:1"}, "candidate must be an object or null"),
            ("sfu:ice-candidate", {"candidate": {"candidate": "candidate:1 1 udp 1 1.2.3.4 9 typ host"}},
             "candidate needs sdpMid or sdpMLineIndex"),
        ]
        for event, payload, message in cases:
            error = await bot.refused(event, payload)
            assert (error["code"], error["message"]) == ("validation_error", message), (event, payload)
        ack = await bot.sio.call("sfu:offer", {"sdp": "this is not SDP"}, timeout=30)
        assert ack["code"] == "invalid_sdp", ack
        # An answer before any offer is ignored (nothing to answer), not an error.
        ack = await bot.sio.call("sfu:answer", {"sdp": "v=0"}, timeout=10)
        assert ack == {"ok": True, "taken": False}


async def test_switching_a_live_meeting_to_mesh_closes_its_media_connections(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    peer = SfuPeer("Ann")
    try:
        await peer.join_sfu(api, meeting["id"])
        await peer.publish(video=(160, 120), audio=False)
        resp = await api.patch(f"/api/meetings/{meeting['id']}/settings", json={"mediaMode": "mesh"},
                               headers=meeting["admin"])
        assert resp.status == 200
        closed = await peer.wait_for("sfu:closed", timeout=10)
        assert closed == {"reason": "The meeting switched to mesh mode"}
        error = await peer.refused("sfu:offer", {"sdp": "v=0"})
        assert error["code"] == "not_sfu"
    finally:
        await peer.close()


async def test_a_participant_offer_that_crosses_the_server_offer_is_ignored(api: TestClient) -> None:
    """The server is the impolite side of perfect negotiation: its offer stands, the participant's is
    ignored (``taken: false``); once answered, the participant's next offer is taken."""
    meeting = await new_meeting(api, mediaMode="sfu")
    first, second = SfuPeer("First"), SfuPeer("Second")
    held: list[dict[str, str]] = []
    try:
        await first.join_sfu(api, meeting["id"])
        await first.publish(video=(160, 120), audio=False)

        @first.sio.on("sfu:offer")
        async def hold(data: dict[str, str]) -> None:  # do not answer yet
            held.append(data)

        await second.join_sfu(api, meeting["id"])
        await second.publish(video=(160, 120), audio=False)
        await eventually(lambda: len(held) == 1, timeout=15)
        ack = await first.sio.call("sfu:offer", {"sdp": first.pc.localDescription.sdp}, timeout=20)
        assert ack == {"ok": True, "taken": False}
        async with first.lock:
            await first.pc.setRemoteDescription(RTCSessionDescription(held[0]["sdp"], "offer"))
            await first.pc.setLocalDescription(await first.pc.createAnswer())
        ack = await first.sio.call("sfu:answer", {"sdp": first.pc.localDescription.sdp}, timeout=20)
        assert ack == {"ok": True, "taken": True}
        await first.wait_frames(second.participant_id, "video", 5)
        async with first.lock:
            await first.pc.setLocalDescription(await first.pc.createOffer())
        ack = await first.sio.call("sfu:offer", {"sdp": first.pc.localDescription.sdp}, timeout=20)
        assert ack == {"ok": True, "taken": True}
    finally:
        await first.close()
        await second.close()


async def test_garbage_descriptions_and_candidates_are_the_sender_s_error(api: TestClient) -> None:
    """Broken SDP and candidates get invalid_sdp / invalid_candidate / validation_error, never a server
    error, and the media worker keeps serving the meeting."""
    rng = random.Random(20261202)
    meeting = await new_meeting(api, mediaMode="sfu")
    lines = ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video x", "a=rtpmap:111", "a=rtpmap:abc opus/48000/2",
             "a=fingerprint:sha-256", "a=setup:bogus", "a=mid:", "a=ice-ufrag:", "c=IN IP4", "a=ssrc:1",
             "a=fmtp:96 apt=", "a=extmap:x y", "a=group:BUNDLE 0 1 2", "a=msid:- -", "\x00", "é" * 10]
    async with bots(api, 1) as (bot,):
        await bot.join(meeting["id"], "Fuzzer")
        for _ in range(25):
            sdp = "v=0\r\n" + "\r\n".join(rng.choice(lines) for _ in range(rng.randint(1, 8))) + "\r\n"
            event = rng.choice(["sfu:offer", "sfu:answer"])
            answer = await bot.sio.call(event, {"sdp": sdp}, timeout=20)
            assert answer.get("code") not in ("internal", "media_error", "media_unavailable"), (sdp, answer)
        for candidate in ("candidate:1 1 udp", "candidate:x", "garbage", "candidate:1 1 udp 1 999.1.1.1 9 typ host"):
            answer = await bot.sio.call("sfu:ice-candidate", {"candidate": {"candidate": candidate, "sdpMid": "0"}},
                                        timeout=20)
            assert answer.get("code") not in ("internal", "media_error", "media_unavailable"), (candidate, answer)
    peer, other = SfuPeer("After"), SfuPeer("Other")
    try:
        for p in (peer, other):
            await p.join_sfu(api, meeting["id"])
            await p.publish(video=(160, 120), audio=False)
        await peer.wait_frames(other.participant_id, "video", 3)
    finally:
        await peer.close()
        await other.close()
