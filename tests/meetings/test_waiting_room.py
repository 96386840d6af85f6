"""The waiting room, enforced (docs/PROTOCOL.md §6; COMPATIBILITY.md: onepizza advertised it
but never enforced it, and told the whole room about waiters; Slice tells hosts only)."""
from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.meetings.socket_support import detail, error, join_as_host, new_meeting, seated_names
from tests.meetings.support import Bot, bots, quiet

WAITING = {"message": "Waiting for the host to admit you\u2026"}
DENIED = {"message": "The host did not admit you to this meeting."}
MUST_WAIT = "Waiting for the host to admit you"


def join_payload(meeting: dict[str, Any], name: str) -> dict[str, Any]:
    return {"meetingId": meeting["id"], "name": name}


async def queue(bot: Bot, meeting: dict[str, Any], name: str) -> None:
    await bot.sio.emit("waiting-room:join", join_payload(meeting, name))
    assert await bot.wait_for("waiting-room:waiting") == WAITING


async def test_join_is_refused_until_admitted_but_the_host_always_enters(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 3) as (guest, impostor, host):
        refusal = await guest.refused("join-meeting", join_payload(meeting, "Guest"))
        assert refusal == error(MUST_WAIT, "waiting_room_required", "join-meeting")
        fake = {**join_payload(meeting, "Impostor"), "isAdmin": True, "adminToken": "not-the-token"}
        assert (await impostor.refused("join-meeting", fake))["code"] == "waiting_room_required"
        assert (await detail(api, meeting))["participantCount"] == 0

        joined = await join_as_host(host, meeting)
        assert joined["settings"]["waitingRoom"] is True
        assert await seated_names(api, meeting) == ["Host"]
        await quiet()
        assert guest.got("joined") == [] and host.got("participant:joined") == []


async def test_admit_lets_the_waiter_join_and_only_hosts_hear_about_the_queue(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 4) as (host, cohost, gina, walt):
        await join_as_host(host, meeting, "Host")
        await join_as_host(cohost, meeting, "Cohost")

        await queue(gina, meeting, "  Gina  ")
        announced = {"socketId": gina.sio.get_sid(), "name": "Gina", "count": 1}
        for bot in (host, cohost):  # every host
            assert await bot.wait_for("waiting-room:participant-waiting") == announced
        assert (await detail(api, meeting))["participantCount"] == 2  # waiting is not seated

        await host.sio.emit("waiting-room:admit", {"meetingId": meeting["id"], "socketId": gina.sio.get_sid()})
        assert await gina.wait_for("waiting-room:admitted") is None
        removed = {"socketId": gina.sio.get_sid(), "name": "Gina", "count": 0, "removed": True}
        for bot in (host, cohost):
            assert await bot.wait_for("waiting-room:participant-waiting", 2) == removed
        gina_joined = await gina.join(meeting["id"], "Gina")
        assert gina_joined["isAdmin"] is False and {p["name"] for p in gina_joined["participants"]} == {"Host", "Cohost"}
        assert (await host.wait_for("participant:joined", 2))["name"] == "Gina"

        # A seated non-host hears nothing about the queue.
        await queue(walt, meeting, "Walt")
        await host.wait_for("waiting-room:participant-waiting", 3)
        await quiet()
        assert gina.got("waiting-room:participant-waiting") == []
        assert [n for n in walt.names() if n != "waiting-room:waiting"] == []
        assert await seated_names(api, meeting) == ["Cohost", "Gina", "Host"]


async def test_deny_sends_the_message_and_join_stays_refused(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 2) as (host, dan):
        await join_as_host(host, meeting)
        await queue(dan, meeting, "Dan")
        await host.wait_for("waiting-room:participant-waiting")
        await host.sio.emit("waiting-room:deny", {"meetingId": meeting["id"], "socketId": dan.sio.get_sid()})
        assert await dan.wait_for("waiting-room:denied") == DENIED
        assert await host.wait_for("waiting-room:participant-waiting", 2) == {
            "socketId": dan.sio.get_sid(), "name": "Dan", "count": 0, "removed": True}
        refusal = await dan.refused("join-meeting", join_payload(meeting, "Dan"))
        assert refusal == error(MUST_WAIT, "waiting_room_required", "join-meeting")
        assert dan.sio.connected and dan.got("waiting-room:admitted") == []
        # Denied again after the queue is empty: nobody to deny.
        gone = await host.refused("waiting-room:deny", {"meetingId": meeting["id"], "socketId": dan.sio.get_sid()})
        assert gone == error("Waiting participant not found", "waiting_not_found", "waiting-room:deny")
        assert await seated_names(api, meeting) == ["Host"]


async def test_only_a_seated_host_may_admit_or_deny(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 4) as (host, member, waiter, stranger):
        await join_as_host(host, meeting)
        await queue(member, meeting, "Member")
        await host.sio.emit("waiting-room:admit", {"meetingId": meeting["id"], "socketId": member.sio.get_sid()})
        await member.wait_for("waiting-room:admitted")
        await member.join(meeting["id"], "Member")
        await queue(waiter, meeting, "Waiter")
        await host.wait_for("waiting-room:participant-waiting", 3)

        target = {"meetingId": meeting["id"], "socketId": waiter.sio.get_sid()}
        for bot in (member, stranger):  # a seated non-host, and a socket in no meeting
            for event in ("waiting-room:admit", "waiting-room:deny"):
                assert await bot.refused(event, target) == error("Only the host can do that", "not_host", event)
        # A waiter cannot admit itself either.
        assert (await waiter.refused("waiting-room:admit", target))["code"] == "not_host"
        await quiet()
        assert waiter.got("waiting-room:admitted") == [] and waiter.got("waiting-room:denied") == []
        assert len(host.got("waiting-room:participant-waiting")) == 3  # nothing was removed
        assert (await waiter.refused("join-meeting", join_payload(meeting, "Waiter")))["code"] == "waiting_room_required"


async def test_a_waiter_who_leaves_is_removed_from_the_hosts_list(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 3) as (host, first, second):
        await join_as_host(host, meeting)
        await queue(first, meeting, "First")
        await queue(second, meeting, "Second")
        assert (await host.wait_for("waiting-room:participant-waiting", 2))["count"] == 2
        first_sid, second_sid = first.sio.get_sid(), second.sio.get_sid()

        await first.sio.disconnect()
        assert await host.wait_for("waiting-room:participant-waiting", 3) == {
            "socketId": first_sid, "name": "", "count": 1, "removed": True}
        await second.sio.emit("leave-meeting")
        assert await host.wait_for("waiting-room:participant-waiting", 4) == {
            "socketId": second_sid, "name": "", "count": 0, "removed": True}
        gone = await host.refused("waiting-room:admit", {"meetingId": meeting["id"], "socketId": first_sid})
        assert gone == error("Waiting participant not found", "waiting_not_found", "waiting-room:admit")


async def test_without_a_waiting_room_waiting_room_join_admits_at_once(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (host, guest):
        await join_as_host(host, meeting)
        await guest.sio.emit("waiting-room:join", join_payload(meeting, "Guest"))
        assert await guest.wait_for("waiting-room:admitted") is None
        await guest.join(meeting["id"], "Guest")
        await quiet()
        assert guest.got("waiting-room:waiting") == [] and host.got("waiting-room:participant-waiting") == []
        unknown = await guest.refused("waiting-room:join", {"meetingId": "abc-defg-hij", "name": "Guest"})
        assert unknown == error("Meeting not found", "meeting_not_found", "waiting-room:join")


async def test_switching_the_waiting_room_off_admits_everyone_queued(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 2) as (host, waiter):
        await join_as_host(host, meeting)
        await queue(waiter, meeting, "Waiter")
        resp = await api.patch(f"/api/meetings/{meeting['id']}/settings", json={"waitingRoom": False},
                               headers=meeting["admin"])
        assert resp.status == 200, await resp.text()
        assert await waiter.wait_for("waiting-room:admitted") is None
        assert (await host.wait_for("meeting:settings-updated"))["waitingRoom"] is False
        await waiter.join(meeting["id"], "Waiter")
        assert await seated_names(api, meeting) == ["Host", "Waiter"]


async def test_an_admission_is_used_up_by_one_join(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 2) as (host, guest):
        await join_as_host(host, meeting)
        await queue(guest, meeting, "Guest")
        await host.sio.emit("waiting-room:admit", {"meetingId": meeting["id"], "socketId": guest.sio.get_sid()})
        await guest.wait_for("waiting-room:admitted")
        await guest.join(meeting["id"], "Guest")
        await guest.sio.emit("leave-meeting")
        await host.wait_for("participant:left")
        refusal = await guest.refused("join-meeting", join_payload(meeting, "Guest"))
        assert refusal["code"] == "waiting_room_required"
        assert await seated_names(api, meeting) == ["Host"]


async def test_a_locked_meeting_refuses_the_queue(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    resp = await api.post(f"/api/meetings/{meeting['id']}/lock", headers=meeting["admin"])
    assert resp.status == 200
    async with bots(api, 2) as (host, guest):
        await join_as_host(host, meeting)
        refusal = await guest.refused("waiting-room:join", join_payload(meeting, "Guest"))
        assert refusal == error("Meeting is locked", "meeting_locked", "waiting-room:join")
        await quiet()
        assert host.got("waiting-room:participant-waiting") == []


async def test_an_invite_passes_the_waiting_room_once(api: TestClient) -> None:
    meeting = await new_meeting(api, waitingRoom=True)
    resp = await api.post(f"/api/meetings/{meeting['id']}/invite", json={"name": "Ivy"}, headers=meeting["admin"])
    token = (await resp.json())["inviteToken"]
    async with bots(api, 2) as (ivy, copycat):
        await ivy.join(meeting["id"], "Ivy", invite=token)
        refusal = await copycat.refused("join-meeting", {**join_payload(meeting, "Copy"), "invite": token})
        assert refusal == error("Invite link is invalid or has expired", "invite_invalid", "join-meeting")
        assert await seated_names(api, meeting) == ["Ivy"]


async def test_a_host_who_arrives_after_the_queue_formed_is_told_who_waits(api: TestClient) -> None:
    """The queue's announcements went out before this host sat down: ``joined`` is followed by one
    ``participant-waiting`` per waiter, oldest first, to that host only; a guest joining hears none."""
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 4) as (gina, walt, host, late_host):
        await queue(gina, meeting, "Gina")
        await queue(walt, meeting, "Walt")
        await join_as_host(host, meeting, "Host")
        queued = [{"socketId": gina.sio.get_sid(), "name": "Gina", "count": 1},
                  {"socketId": walt.sio.get_sid(), "name": "Walt", "count": 2}]
        await host.wait_for("waiting-room:participant-waiting", 2)
        assert host.got("waiting-room:participant-waiting") == queued
        assert host.names().index("joined") < host.names().index("waiting-room:participant-waiting")

        await host.sio.emit("waiting-room:admit", {"meetingId": meeting["id"], "socketId": gina.sio.get_sid()})
        await gina.wait_for("waiting-room:admitted")
        await gina.join(meeting["id"], "Gina")
        await host.sio.emit("leave-meeting")
        await join_as_host(late_host, meeting, "Late host")
        assert await late_host.wait_for("waiting-room:participant-waiting") == {
            "socketId": walt.sio.get_sid(), "name": "Walt", "count": 1}
        await quiet()
        assert len(late_host.got("waiting-room:participant-waiting")) == 1
        assert gina.got("waiting-room:participant-waiting") == []
