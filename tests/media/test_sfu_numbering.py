"""Renegotiation keeps the participant's payload types and header-extension ids.

aiortc's ``createOffer`` puts its own numbers back on every m-line; Chrome refuses a changed
extension id ("RTP extension ID reassignment not supported") and switches to changed payload
types, which the server then drops. A participant numbered like Chrome must see its own numbers
in every server offer, on its own m-lines and on the new ones.
"""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.sdp import SessionDescription

from tests.media.encoded import LoopedPackets, opus_frames, vp8_frames
from tests.media.sfu_client import PatternVideo, SfuPeer, ToneAudio
from tests.meetings.socket_support import new_meeting
from tests.meetings.support import Bot

# aiortc's numbers -> Chrome's
PAYLOAD_TYPES = {96: 111, 97: 96, 98: 97, 99: 102, 100: 103, 101: 127, 102: 125}
EXTENSION_IDS = {"urn:ietf:params:rtp-hdrext:sdes:mid": 4, "urn:ietf:params:rtp-hdrext:ssrc-audio-level": 1,
                 "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time": 2}


def chrome_numbered(sdp: str) -> str:
    def renumber_line(line: str) -> str:
        if line.startswith("m="):
            head, formats = line.split(" ", 3)[:3], line.split(" ", 3)[3].split()
            return " ".join(head + [str(PAYLOAD_TYPES.get(int(f), f)) for f in formats])
        match = re.match(r"a=(rtpmap|rtcp-fb|fmtp):(\d+)(.*)", line)
        if match:
            rest = re.sub(r"apt=(\d+)", lambda m: f"apt={PAYLOAD_TYPES[int(m.group(1))]}", match.group(3))
            return f"a={match.group(1)}:{PAYLOAD_TYPES.get(int(match.group(2)), match.group(2))}{rest}"
        match = re.match(r"a=extmap:(\d+) (\S+)", line)
        if match:
            return f"a=extmap:{EXTENSION_IDS[match.group(2)]} {match.group(2)}"
        return line
    return "\r\n".join(renumber_line(line) for line in sdp.split("\r\n"))


async def test_server_offers_keep_the_participant_s_numbering(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    bot, publisher = Bot(), SfuPeer("Pub")
    try:
        pc.addTransceiver(ToneAudio(), direction="sendonly")
        pc.addTransceiver(PatternVideo(160, 120), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        offer = chrome_numbered(pc.localDescription.sdp)
        await bot.connect(api)
        await bot.join(meeting["id"], "Chrome-like")
        ack = await bot.sio.call("sfu:offer", {"sdp": offer}, timeout=20)
        assert ack == {"ok": True, "taken": True}
        answer = SessionDescription.parse((await bot.wait_for("sfu:answer"))["sdp"])
        assert {c.payloadType for m in answer.media for c in m.rtp.codecs} <= set(PAYLOAD_TYPES.values()) | {0, 8, 9}  # and the static G.711/G.722 types

        await publisher.join_sfu(api, meeting["id"])
        await publisher.publish(tracks=[LoopedPackets("video", vp8_frames(), 30), LoopedPackets("audio", opus_frames(), 50)])
        server_offer = SessionDescription.parse((await bot.wait_for("sfu:offer", timeout=20))["sdp"])
        # Its own two m-lines, then the publisher's first live track (the other comes in the next
        # offer, which this bot never gets to: it does not answer).
        assert len(server_offer.media) >= 3
        for media in server_offer.media:
            names = {c.payloadType: c.name.lower() for c in media.rtp.codecs}
            if media.kind == "audio":
                assert names.get(111) == "opus", names
            else:
                assert names.get(96) == "vp8" and names.get(97) == "rtx", names
            for extension in media.rtp.headerExtensions:
                assert extension.id == EXTENSION_IDS[extension.uri], (extension.uri, extension.id)
    finally:
        await pc.close()
        await publisher.close()
        await bot.close()


async def test_a_participant_that_only_receives_gets_an_answer_browsers_accept(api: TestClient) -> None:
    meeting = await new_meeting(api, mediaMode="sfu")
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    bot = Bot()
    try:
        await pc.setLocalDescription(await pc.createOffer())  # no m-lines: nothing to send yet
        await bot.connect(api)
        await bot.join(meeting["id"], "Viewer")
        await bot.sio.call("sfu:offer", {"sdp": pc.localDescription.sdp}, timeout=20)
        answer = (await bot.wait_for("sfu:answer"))["sdp"]
        assert "a=group:BUNDLE\r\n" not in answer and not answer.rstrip().endswith("a=group:BUNDLE")
    finally:
        await pc.close()
        await bot.close()
