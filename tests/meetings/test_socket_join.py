"""join-meeting against a real server: the `joined` payload, who hears `participant:joined`,
admin detection, join settings, and every refusal (docs/PROTOCOL.md §3 "join-meeting",
research §4.3, COMPATIBILITY.md "Meetings (Socket.IO)")."""
from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.meetings.socket_support import detail, error, is_uuid, join_as_host, new_meeting, seated_names
from tests.meetings.support import bots, quiet

DEFAULT_SETTINGS = {
    "muteOnJoin": False, "videoOffOnJoin": False, "maxParticipants": 50,
    "locked": False, "waitingRoom": False, "mediaMode": "mesh",
}


async def test_joined_payload_lists_others_and_participant_joined_reaches_only_others(api: TestClient) -> None:
    meeting = await new_meeting(api, title="Team Standup")
    async with bots(api, 3) as (host, ann, bob):
        host_joined = await join_as_host(host, meeting, "Hazel")
        assert host_joined["participants"] == []

        ann_joined = await ann.join(meeting["id"], "Ann", isAdmin=False, adminToken=None)
        assert set(ann_joined) == {
            "participantId", "participants", "settings", "title", "isAdmin",
            "muteOnJoin", "videoOffOnJoin", "isRecording", "recordingHostName",
        }
        assert is_uuid(ann_joined["participantId"]) and ann_joined["participantId"] != host_joined["participantId"]
        assert ann_joined["participants"] == [{
            "participantId": host_joined["participantId"], "name": "Hazel", "isMuted": False, "isVideoOff": False,
            "isScreenSharing": False, "isHandRaised": False, "isAdmin": True,
        }]
        assert ann_joined["settings"] == DEFAULT_SETTINGS
        assert ann_joined["title"] == "Team Standup"
        assert ann_joined["isAdmin"] is False
        assert ann_joined["muteOnJoin"] is False and ann_joined["videoOffOnJoin"] is False
        assert ann_joined["isRecording"] is False and ann_joined["recordingHostName"] == ""

        ann_seen = await host.wait_for("participant:joined")
        assert ann_seen == {
            "participantId": ann_joined["participantId"], "name": "Ann", "isMuted": False,
            "isVideoOff": False, "isHandRaised": False, "isAdmin": False,
        }

        bob_joined = await bob.join(meeting["id"], "Bob")
        assert {p["name"] for p in bob_joined["participants"]} == {"Hazel", "Ann"}
        await host.wait_for("participant:joined", 2)
        await ann.wait_for("participant:joined")
        await quiet()
        # Nobody hears about their own arrival; each arrival is announced once.
        assert ann.got("participant:joined") == [host.got("participant:joined")[1]]
        assert bob.got("participant:joined") == []
        assert [p["name"] for p in host.got("participant:joined")] == ["Ann", "Bob"]
        assert host.got("joined") == [host_joined] and ann.got("joined") == [ann_joined]

    body = await detail(api, meeting)
    assert body["participantCount"] == 0  # everyone disconnected


async def test_admin_needs_the_flag_and_the_right_token(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 4) as (watcher, real, wrong, flagless):
        await watcher.join(meeting["id"], "Watcher")
        assert (await real.join(meeting["id"], "Real", isAdmin=True, adminToken=meeting["adminToken"]))["isAdmin"] is True
        assert (await wrong.join(meeting["id"], "Wrong", isAdmin=True, adminToken="nope"))["isAdmin"] is False
        assert (await flagless.join(meeting["id"], "Flagless", adminToken=meeting["adminToken"]))["isAdmin"] is False
        await watcher.wait_for("participant:joined", 3)
        assert [(p["name"], p["isAdmin"]) for p in watcher.got("participant:joined")] == [
            ("Real", True), ("Wrong", False), ("Flagless", False),
        ]
        # Later joiners see the same flags in their list, always as booleans.
        async with bots(api, 1) as (late,):
            listed = (await late.join(meeting["id"], "Late"))["participants"]
            assert [(p["name"], p["isAdmin"]) for p in listed] == [
                ("Watcher", False), ("Real", True), ("Wrong", False), ("Flagless", False)]


async def test_mute_and_video_off_on_join_apply_to_new_participants(api: TestClient) -> None:
    meeting = await new_meeting(api, muteOnJoin=True, videoOffOnJoin=True)
    async with bots(api, 2) as (first, second):
        joined = await first.join(meeting["id"], "First")
        assert joined["muteOnJoin"] is True and joined["videoOffOnJoin"] is True
        assert joined["settings"] == {**DEFAULT_SETTINGS, "muteOnJoin": True, "videoOffOnJoin": True}
        second_joined = await second.join(meeting["id"], "Second")
        assert second_joined["participants"][0]["isMuted"] is True
        assert second_joined["participants"][0]["isVideoOff"] is True
        seen = await first.wait_for("participant:joined")
        assert seen["isMuted"] is True and seen["isVideoOff"] is True
        body = await detail(api, meeting)
        assert [(p["isMuted"], p["isVideoOff"]) for p in body["participants"]] == [(True, True), (True, True)]


async def test_names_are_stripped_cut_to_60_and_default_to_anonymous(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 4) as group:
        names = ["  Zoë  ", "   ", "x" * 61, "😀" * 31]
        for bot, name in zip(group, names, strict=True):
            await bot.join(meeting["id"], name)
        listed = group[-1].got("joined")[0]["participants"]
        assert [p["name"] for p in listed] == ["Zoë", "Anonymous", "x" * 60]
        # 31 emoji are 62 UTF-16 units: cut to 30 whole emoji, never half of one.
        assert (await group[0].wait_for("participant:joined", 3))["name"] == "😀" * 30
    async with bots(api, 1) as (odd,):
        assert (await odd.join(meeting["id"], 12345))["participants"] == []
        assert (await detail(api, meeting))["participants"][0]["name"] == "Anonymous"


async def test_unknown_meeting_is_refused(api: TestClient) -> None:
    async with bots(api, 1) as (bot,):
        for meeting_id in ("abc-defg-hij", "", 42, None):
            refusal = await bot.refused("join-meeting", {"meetingId": meeting_id, "name": "Lost"})
            assert refusal == error("Meeting not found", "meeting_not_found", "join-meeting")
        await quiet()
        assert bot.got("joined") == [] and bot.sio.connected


async def test_ended_meeting_is_refused(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (inside, late):
        await inside.join(meeting["id"], "Inside")
        resp = await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        assert resp.status == 200
        assert await inside.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
        refusal = await late.refused("join-meeting", {"meetingId": meeting["id"], "name": "Late"})
        assert refusal == error("Meeting not found", "meeting_not_found", "join-meeting")
        # The host's token opens nothing once the meeting is over.
        refusal = await late.refused(
            "join-meeting", {"meetingId": meeting["id"], "name": "Host", "isAdmin": True,
                             "adminToken": meeting["adminToken"]})
        assert refusal["code"] == "meeting_not_found"


async def test_scheduled_meeting_is_refused_with_its_start_time(api: TestClient) -> None:
    meeting = await new_meeting(api, title="Weekly Sync", scheduledAt="2099-04-01T14:00:00Z")
    assert meeting["status"] == "scheduled"
    expected = error(
        "This meeting is scheduled for 4/1/2099, 2:00:00 PM. Please wait until it starts.",
        "meeting_scheduled", "join-meeting",
    )
    async with bots(api, 1) as (bot,):
        assert await bot.refused("join-meeting", {"meetingId": meeting["id"], "name": "Early"}) == expected
        as_host = {"meetingId": meeting["id"], "name": "Host", "isAdmin": True, "adminToken": meeting["adminToken"]}
        assert await bot.refused("join-meeting", as_host) == expected
        waiting = await bot.refused("waiting-room:join", {"meetingId": meeting["id"], "name": "Early"})
        assert waiting == {**expected, "event": "waiting-room:join"}
        await quiet()
        assert bot.got("joined") == []


async def test_locked_meeting_refuses_guests_but_not_the_host_or_those_inside(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 4) as (inside, guest, impostor, host):
        inside_joined = await inside.join(meeting["id"], "Inside")
        resp = await api.post(f"/api/meetings/{meeting['id']}/lock", headers=meeting["admin"])
        assert resp.status == 200
        await inside.wait_for("meeting:settings-updated")

        locked = error("Meeting is locked", "meeting_locked", "join-meeting")
        assert await guest.refused("join-meeting", {"meetingId": meeting["id"], "name": "Guest"}) == locked
        fake = {"meetingId": meeting["id"], "name": "Impostor", "isAdmin": True, "adminToken": "wrong"}
        assert await impostor.refused("join-meeting", fake) == locked
        assert await seated_names(api, meeting) == ["Inside"]

        host_joined = await join_as_host(host, meeting)
        assert host_joined["settings"]["locked"] is True
        # Someone already inside may re-join (say, after choosing another name).
        rejoined = await inside.join(meeting["id"], "Inside Again")
        assert rejoined["participantId"] != inside_joined["participantId"]
        assert await seated_names(api, meeting) == ["Host", "Inside Again"]


async def test_full_meeting_refuses_everyone_including_the_host(api: TestClient) -> None:
    meeting = await new_meeting(api, maxParticipants=2)
    async with bots(api, 4) as (ann, bob, cid, host):
        await ann.join(meeting["id"], "Ann")
        await bob.join(meeting["id"], "Bob")
        full = error("Meeting is full", "meeting_full", "join-meeting")
        assert await cid.refused("join-meeting", {"meetingId": meeting["id"], "name": "Cid"}) == full
        as_host = {"meetingId": meeting["id"], "name": "Host", "isAdmin": True, "adminToken": meeting["adminToken"]}
        assert await host.refused("join-meeting", as_host) == full
        # A seated socket re-joining does not count against the cap.
        await bob.join(meeting["id"], "Bob Again")
        assert await seated_names(api, meeting) == ["Ann", "Bob Again"]

        ann_id = ann.got("joined")[0]["participantId"]
        await ann.sio.emit("leave-meeting")
        assert await bob.wait_for("participant:left") == {"participantId": ann_id, "name": "Ann"}
        await cid.join(meeting["id"], "Cid")
        assert await seated_names(api, meeting) == ["Bob Again", "Cid"]


async def test_a_refused_join_changes_nothing(api: TestClient) -> None:
    meeting = await new_meeting(api, maxParticipants=2)
    async with bots(api, 3) as (ann, bob, cid):
        await ann.join(meeting["id"], "Ann")
        await bob.join(meeting["id"], "Bob")
        before = await detail(api, meeting)
        events_before = (list(ann.events), list(bob.events))

        await cid.refused("join-meeting", {"meetingId": meeting["id"], "name": "Cid"})
        await ann.sio.emit("chat:message", {"text": "still just us"})
        await bob.wait_for("chat:message")
        await quiet()

        assert await detail(api, meeting) == before
        assert cid.names() == ["error"]  # no joined, no chat: the refused socket is in no room
        assert ann.events[len(events_before[0]):] == [("chat:message", ann.got("chat:message")[0])]
        assert bob.events[len(events_before[1]):] == [("chat:message", bob.got("chat:message")[0])]


async def test_joining_twice_on_one_socket_replaces_the_seat(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (ann, bob):
        await ann.join(meeting["id"], "Ann")
        first = await bob.join(meeting["id"], "Bob")
        second = await bob.join(meeting["id"], "Robert")
        assert second["participantId"] != first["participantId"]
        assert [p["name"] for p in second["participants"]] == ["Ann"]  # not its own old seat
        assert await ann.wait_for("participant:left") == {"participantId": first["participantId"], "name": "Bob"}
        assert (await ann.wait_for("participant:joined", 2))["participantId"] == second["participantId"]
        assert await seated_names(api, meeting) == ["Ann", "Robert"]


async def test_joining_another_meeting_leaves_the_first(api: TestClient) -> None:
    first, second = await new_meeting(api), await new_meeting(api)
    async with bots(api, 2) as (stay, mover):
        await stay.join(first["id"], "Stay")
        moved_from = await mover.join(first["id"], "Mover")
        await mover.join(second["id"], "Mover")
        assert await stay.wait_for("participant:left") == {"participantId": moved_from["participantId"], "name": "Mover"}
        assert await seated_names(api, first) == ["Stay"]
        assert await seated_names(api, second) == ["Mover"]
        await stay.sio.emit("chat:message", {"text": "only for the first meeting"})
        await stay.wait_for("chat:message")
        await quiet()
        assert mover.got("chat:message") == []
