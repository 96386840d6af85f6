"""Every in-meeting client event against a real server: the payload each side sees, who
receives it and who must not (docs/PROTOCOL.md §3-4, research §4.5-4.6)."""
from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestClient

from tests.meetings.socket_support import detail, error, is_uuid, join_as_host, new_meeting
from tests.meetings.support import Bot, bots, quiet

FIVE = ["\U0001f44d", "\u2764\ufe0f", "\U0001f602", "\U0001f389", "\U0001f44f"]  # 👍 ❤️ 😂 🎉 👏


def pid(bot: Bot) -> str:
    return str(bot.got("joined")[-1]["participantId"])


async def seat(api: TestClient, meeting: dict[str, Any], group: list[Bot], names: str) -> None:
    for bot, name in zip(group, names.split(), strict=True):
        await bot.join(meeting["id"], name)


async def test_signals_reach_only_the_addressed_participant(api: TestClient) -> None:
    meeting, elsewhere = await new_meeting(api), await new_meeting(api)
    async with bots(api, 5) as (ann, bob, cid, other, outsider):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        await other.join(elsewhere["id"], "Other")
        offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
        candidate = {"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host", "sdpMid": "0"}

        await ann.sio.emit("signal:offer", {"to": pid(bob), "offer": offer})
        assert await bob.wait_for("signal:offer") == {"from": pid(ann), "offer": offer}
        await bob.sio.emit("signal:answer", {"to": pid(ann), "answer": {"type": "answer", "sdp": "v=0"}})
        assert await ann.wait_for("signal:answer") == {"from": pid(bob), "answer": {"type": "answer", "sdp": "v=0"}}
        await ann.sio.emit("signal:ice-candidate", {"to": pid(bob), "candidate": candidate})
        assert await bob.wait_for("signal:ice-candidate") == {"from": pid(ann), "candidate": candidate}
        await ann.sio.emit("signal:ice-candidate", {"to": pid(bob)})  # end of candidates: null
        assert await bob.wait_for("signal:ice-candidate", 2) == {"from": pid(ann), "candidate": None}

        # Addressing a participant of another meeting, or sending unseated, relays nothing.
        stray = await ann.refused("signal:offer", {"to": pid(other), "offer": offer})
        assert stray == error("Participant not found", "participant_not_found", "signal:offer")
        unseated = await outsider.refused("signal:offer", {"to": pid(bob), "offer": offer})
        assert unseated == error("Participant not found", "participant_not_found", "signal:offer")
        await quiet()
        signal_events = {"signal:offer", "signal:answer", "signal:ice-candidate"}
        assert [n for n in cid.names() if n in signal_events] == []
        assert [n for n in other.names() if n in signal_events] == []
        assert ann.got("signal:offer") == [] and len(bob.got("signal:offer")) == 1
        assert bob.got("signal:answer") == [] and ann.got("signal:ice-candidate") == []


async def test_media_toggles_reach_the_others_and_update_the_meeting(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        changes = [
            ("media:toggle-audio", {"isMuted": True}),
            ("media:toggle-video", {"isVideoOff": True}),
            ("media:screen-share", {"isScreenSharing": True}),
        ]
        for event, payload in changes:
            await ann.sio.emit(event, payload)
        for bot in (bob, cid):
            await bot.wait_for("participant:updated", 3)
            assert bot.got("participant:updated") == [{"participantId": pid(ann), **p} for _, p in changes]
        ann_row = next(p for p in (await detail(api, meeting))["participants"] if p["name"] == "Ann")
        assert (ann_row["isMuted"], ann_row["isVideoOff"], ann_row["isScreenSharing"]) == (True, True, True)

        for event, field in (("media:toggle-audio", "isMuted"), ("media:toggle-video", "isVideoOff"),
                             ("media:screen-share", "isScreenSharing")):
            bad = await ann.refused(event, {field: "false"})
            assert bad == error(f"{field} must be a boolean", "validation_error", event)
        assert await ann.refused("media:toggle-audio", {}) == error(
            "No media state given", "validation_error", "media:toggle-audio")
        await ann.sio.emit("media:mute", {"isMuted": False})  # accepted and ignored, as in onepizza
        await quiet()
        assert ann.got("participant:updated") == []  # no echo to the sender
        assert len(bob.got("participant:updated")) == 3 and len(ann.got("error")) == 4
        ann_row = next(p for p in (await detail(api, meeting))["participants"] if p["name"] == "Ann")
        assert (ann_row["isMuted"], ann_row["isVideoOff"], ann_row["isScreenSharing"]) == (True, True, True)

        late = Bot()
        await late.connect(api)
        try:
            listed = {p["name"]: p for p in (await late.join(meeting["id"], "Late"))["participants"]}
            assert listed["Ann"]["isMuted"] and listed["Ann"]["isVideoOff"] and listed["Ann"]["isScreenSharing"]
        finally:
            await late.close()


async def test_raise_hand_reaches_the_whole_room_with_its_time(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob], "Ann Bob")
        before = int(time.time() * 1000)
        await ann.sio.emit("raise-hand", {"isHandRaised": True})
        for bot in (ann, bob):
            raised = await bot.wait_for("participant:updated")
            assert set(raised) == {"participantId", "isHandRaised", "handRaisedAt"}
            assert raised["participantId"] == pid(ann) and raised["isHandRaised"] is True
            assert before <= raised["handRaisedAt"] <= int(time.time() * 1000)
        listed = (await cid.join(meeting["id"], "Cid"))["participants"]
        assert {p["name"]: p["isHandRaised"] for p in listed} == {"Ann": True, "Bob": False}

        await ann.sio.emit("raise-hand", {"isHandRaised": False})
        for bot in (ann, bob, cid):
            lowered = await bot.wait_for("participant:updated", 2 if bot is not cid else 1)
            assert lowered == {"participantId": pid(ann), "isHandRaised": False, "handRaisedAt": None}
        assert await bob.refused("raise-hand", {"isHandRaised": 1}) == error(
            "isHandRaised must be a boolean", "validation_error", "raise-hand")
        await quiet()
        assert len(ann.got("participant:updated")) == 2


async def test_react_accepts_exactly_the_five_emoji(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        for emoji in FIVE:
            await ann.sio.emit("react", {"emoji": emoji})
        for bot in (ann, bob, cid):  # the room, sender included
            await bot.wait_for("react", 5)
            assert bot.got("react") == [{"participantId": pid(ann), "emoji": e} for e in FIVE]

        for odd in ("\U0001f642", "\u2764", "\U0001f44d\U0001f3fd", 1):  # 🙂, ❤ without VS16, 👍🏽, a number
            refusal = await bob.refused("react", {"emoji": odd})
            assert refusal == error("Unsupported reaction", "validation_error", "react")
        await quiet()
        assert all(len(bot.got("react")) == 5 for bot in (ann, bob, cid))


async def test_chat_message_reaches_the_room_with_every_field(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        before = int(time.time() * 1000)
        await ann.sio.emit("chat:message", {"text": "  hello, world  "})
        message = await ann.wait_for("chat:message")
        assert set(message) == {"from", "name", "text", "timestamp", "msgId", "replyTo"}
        assert message["from"] == pid(ann) and message["name"] == "Ann" and message["text"] == "hello, world"
        assert before <= message["timestamp"] <= int(time.time() * 1000)
        assert is_uuid(message["msgId"]) and message["replyTo"] is None
        for bot in (bob, cid):
            assert await bot.wait_for("chat:message") == message

        await bob.sio.emit("chat:message", {"text": "hi Ann", "replyTo": message["msgId"]})
        reply = await ann.wait_for("chat:message", 2)
        assert reply["replyTo"] == message["msgId"] and reply["from"] == pid(bob) and reply["msgId"] != message["msgId"]
        await bob.sio.emit("chat:message", {"text": "odd reply", "replyTo": {"id": 1}})
        assert (await ann.wait_for("chat:message", 3))["replyTo"] is None


async def test_chat_length_limit_and_blank_messages(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        longest = "a" * 2000
        emoji_longest = "\U0001f600" * 1000  # 2000 UTF-16 units
        too_long = error("Message too long (max 2000 characters)", "validation_error", "chat:message")
        await ann.sio.emit("chat:message", {"text": f"  {longest}  "})
        assert await ann.refused("chat:message", {"text": longest + "b"}) == too_long
        await ann.sio.emit("chat:message", {"text": emoji_longest})
        assert await ann.refused("chat:message", {"text": emoji_longest + "b"}) == too_long

        blank = error("Message must be a non-empty string", "validation_error", "chat:message")
        for text in ("", "   \n\t ", 42, None, ["a"]):
            assert await bob.refused("chat:message", {"text": text}) == blank
        assert await bob.refused("chat:message", {}) == blank

        await cid.wait_for("chat:message", 2)
        await quiet()
        assert [m["text"] for m in cid.got("chat:message")] == [longest, emoji_longest]
        assert bob.got("chat:message") == cid.got("chat:message")


async def test_chat_react_reaches_the_others_only(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        await ann.sio.emit("chat:react", {"msgId": "m-1", "emoji": " \U0001f44d\U0001f3fd "})  # 4 units
        await ann.sio.emit("chat:react", {"msgId": "m-1", "emoji": "\U0001f389\U0001f389\U0001f389"})  # cut to 4
        for bad in ({"msgId": "", "emoji": "x"}, {"msgId": 5, "emoji": "x"}, {"msgId": "m" * 65, "emoji": "x"},
                    {"msgId": "m-1", "emoji": "   "}, {"msgId": "m-1", "emoji": 7}):
            await ann.sio.emit("chat:react", bad)
        for bot in (bob, cid):
            await bot.wait_for("chat:react", 2)
        await quiet()
        expected = [
            {"pid": pid(ann), "msgId": "m-1", "emoji": "\U0001f44d\U0001f3fd"},
            {"pid": pid(ann), "msgId": "m-1", "emoji": "\U0001f389\U0001f389"},
        ]
        assert bob.got("chat:react") == expected and cid.got("chat:react") == expected
        assert ann.got("chat:react") == [] and ann.got("error") == []  # bad ones are dropped silently


async def test_captions_reach_the_others_with_the_server_side_pid(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        await ann.sio.emit("captions:update", {"pid": "spoofed", "text": "hello there", "final": 1})
        await ann.sio.emit("captions:update", {"text": "x" * 400})
        await ann.sio.emit("captions:update", {"text": 5, "final": True})
        for bot in (bob, cid):
            await bot.wait_for("captions:update", 2)
        await quiet()
        expected = [
            {"pid": pid(ann), "text": "hello there", "final": True},
            {"pid": pid(ann), "text": "x" * 300, "final": False},
        ]
        assert bob.got("captions:update") == expected and cid.got("captions:update") == expected
        assert ann.got("captions:update") == [] and ann.got("error") == []


async def test_recording_notice_is_host_only(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (host, guest, late):
        await join_as_host(host, meeting, "Hazel")
        await guest.join(meeting["id"], "Gus")

        not_host = error("Only the host can do that", "not_host", "recording:broadcast-started")
        assert await guest.refused("recording:broadcast-started", {"hostName": "Gus"}) == not_host
        await quiet()
        assert host.got("recording:started") == [] and guest.got("recording:started") == []

        await host.sio.emit("recording:broadcast-started", {"hostName": "  Hazel Recorder  "})
        assert await guest.wait_for("recording:started") == {"hostName": "Hazel Recorder"}
        joined = await late.join(meeting["id"], "Late")
        assert joined["isRecording"] is True and joined["recordingHostName"] == "Hazel Recorder"

        stop_refused = await guest.refused("recording:broadcast-stopped", None)
        assert stop_refused == {**not_host, "event": "recording:broadcast-stopped"}
        await host.sio.emit("recording:broadcast-stopped")
        for bot in (host, guest, late):  # the room, sender included, with no payload
            assert await bot.wait_for("recording:stopped") is None
        await host.sio.emit("recording:broadcast-stopped", {})  # nothing active: nothing happens
        await quiet()
        assert host.got("recording:started") == [] and len(guest.got("recording:started")) == 1
        assert [len(bot.got("recording:stopped")) for bot in (host, guest, late)] == [1, 1, 1]
        assert host.got("error") == []


async def test_recording_stops_when_the_recorder_leaves(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (host, guest):
        host_joined = await join_as_host(host, meeting, "Hazel")
        await guest.join(meeting["id"], "Gus")
        await host.sio.emit("recording:broadcast-started", {})
        assert await guest.wait_for("recording:started") == {"hostName": "Hazel"}  # defaults to the host's name
        await host.sio.emit("leave-meeting")
        await guest.wait_for("participant:left")
        stopped_at = guest.names().index("recording:stopped")
        assert stopped_at < guest.names().index("participant:left")
        assert guest.got("participant:left") == [{"participantId": host_joined["participantId"], "name": "Hazel"}]


async def test_leave_meeting_and_disconnect_announce_participant_left(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (ann, bob, cid):
        await seat(api, meeting, [ann, bob, cid], "Ann Bob Cid")
        ann_id, bob_id = pid(ann), pid(bob)

        await ann.sio.emit("leave-meeting")
        for bot in (bob, cid):
            assert await bot.wait_for("participant:left") == {"participantId": ann_id, "name": "Ann"}
        assert (await detail(api, meeting))["participantCount"] == 2

        await bob.sio.disconnect()
        assert await cid.wait_for("participant:left", 2) == {"participantId": bob_id, "name": "Bob"}
        assert [p["name"] for p in (await detail(api, meeting))["participants"]] == ["Cid"]

        # The leaver stays connected but hears nothing more from the meeting.
        await cid.sio.emit("chat:message", {"text": "anyone?"})
        await cid.wait_for("chat:message")
        await quiet()
        assert ann.sio.connected and ann.got("chat:message") == [] and ann.got("participant:left") == []
        assert cid.got("participant:left")[0]["participantId"] == ann_id
