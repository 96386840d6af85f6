"""Invite links (document "Invite link", docs/PROTOCOL.md §6, COMPATIBILITY.md "Invite links"):
one-use, expiring tokens that let their bearer past the waiting room through ``join-meeting``."""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.http.http_support import database
from tests.meetings.support import Bot, account, bots, create_meeting, quiet

if TYPE_CHECKING:
    from tests.conftest import StartServer

TOKEN = re.compile(r"^[0-9a-f]{32}$")
INVALID = {"message": "Invite link is invalid or has expired", "code": "invite_invalid", "event": "join-meeting"}
MUST_WAIT = {"message": "Waiting for the host to admit you", "code": "waiting_room_required", "event": "join-meeting"}


async def keyed_meeting(api: TestClient, **fields: Any) -> dict[str, Any]:
    owner = await account(api)
    api.session.cookie_jar.clear()  # the key alone
    return await create_meeting(api, owner["key"], **fields)


async def invite(api: TestClient, meeting: dict[str, Any], **body: Any) -> str:
    resp = await api.post(f"/api/meetings/{meeting['meetingId']}/invite", json=body, headers=meeting["admin"])
    assert resp.status == 200
    return str((await resp.json())["inviteToken"])


async def seated_count(api: TestClient, meeting: dict[str, Any]) -> int:
    body = await (await api.get(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])).json()
    return int(body["participantCount"])


async def host_in(meeting: dict[str, Any], host: Bot) -> None:
    await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])


async def error_of(resp: ClientResponse) -> tuple[int, str]:
    return resp.status, (await resp.json())["error"]


async def test_invite_response(api: TestClient, settings: Settings) -> None:
    meeting = await keyed_meeting(api)
    mid, url = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}/invite"
    resp = await api.post(url, json={"name": "Bob Smith & Co"}, headers=meeting["admin"])
    assert resp.status == 200
    body = await resp.json()
    token = body["inviteToken"]
    assert TOKEN.match(token)
    assert body == {"joinUrl": f"/join/{mid}?invite={token}&name=Bob%20Smith%20%26%20Co", "inviteToken": token}
    for sent, shown in (({}, ""), ({"name": None}, ""), ({"name": "   "}, ""), ({"name": " Zoë "}, "Zo%C3%AB"),
                        ({"name": "n" * 80}, "n" * 60)):
        resp = await api.post(url, json=sent, headers=meeting["admin"])
        body = await resp.json()
        assert body["joinUrl"] == f"/join/{mid}?invite={body['inviteToken']}&name={shown}", sent
    resp = await api.post(url, headers=meeting["admin"])  # no body at all
    assert resp.status == 200 and (await resp.json())["inviteToken"] != token
    # Stored only as a digest (COMPATIBILITY.md): the raw token is nowhere in the meeting's record.
    async with database(settings) as db:
        stored = await db.meetings.find_one({"_id": mid})
    assert stored is not None and token not in repr(stored)

    for headers, status, message in (
        ({}, 403, "Admin token required"),
        ({"x-admin-token": "nope"}, 403, "Admin token required"),
        ({"x-api-key": "mk_bad", "x-admin-token": meeting["adminToken"]}, 401, "Invalid or missing API key"),
    ):
        assert await error_of(await api.post(url, json={"name": "X"}, headers=headers)) == (status, message)
    resp = await api.post(url, json={"name": 5}, headers=meeting["admin"])
    assert await error_of(resp) == (400, "name must be a string")
    resp = await api.post("/api/meetings/000-0000-000/invite", headers=meeting["admin"])
    assert await error_of(resp) == (404, "Meeting not found")


async def test_valid_invite_admits_past_the_waiting_room(api: TestClient) -> None:
    meeting = await keyed_meeting(api, waitingRoom=True)
    mid = meeting["meetingId"]
    first, second = await invite(api, meeting, name="Ivy"), await invite(api, meeting)
    async with bots(api, 4) as (host, ivy, jo, plain):
        await host_in(meeting, host)
        assert await plain.refused("join-meeting", {"meetingId": mid, "name": "Plain"}) == MUST_WAIT
        assert await plain.refused("join-meeting", {"meetingId": mid, "invite": ""}) == MUST_WAIT
        joined = await ivy.join(mid, "Ivy", invite=first)
        assert joined["settings"]["waitingRoom"] is True and joined["isAdmin"] is False
        assert (await host.wait_for("participant:joined"))["name"] == "Ivy"
        await jo.join(mid, "Jo", inviteToken=second)  # the other spelling of the field
        assert (await host.wait_for("participant:joined", 2))["name"] == "Jo"
        await quiet()
        assert not host.got("waiting-room:participant-waiting")  # nobody queued
        assert await seated_count(api, meeting) == 3


async def test_used_invite_is_refused(api: TestClient) -> None:
    meeting = await keyed_meeting(api, waitingRoom=True)
    mid = meeting["meetingId"]
    token = await invite(api, meeting)
    async with bots(api, 3) as (host, first, second):
        await host_in(meeting, host)
        await first.join(mid, "First", invite=token)
        await host.wait_for("participant:joined")
        assert await second.refused("join-meeting", {"meetingId": mid, "name": "Second", "invite": token}) == INVALID
        # Still used after its bearer left.
        await first.close()
        await host.wait_for("participant:left")
        assert await second.refused("join-meeting", {"meetingId": mid, "inviteToken": token}) == INVALID
        await quiet()
        assert len(host.got("participant:joined")) == 1
        assert await seated_count(api, meeting) == 1


async def test_expired_invite_is_refused(start_server: StartServer) -> None:
    api = await start_server(invite_ttl_seconds=1)
    meeting = await keyed_meeting(api, waitingRoom=True)
    mid = meeting["meetingId"]
    fresh, stale = await invite(api, meeting), await invite(api, meeting)
    async with bots(api, 3) as (host, early, late):
        await host_in(meeting, host)
        await early.join(mid, "Early", invite=fresh)
        await asyncio.sleep(1.05)
        assert await late.refused("join-meeting", {"meetingId": mid, "name": "Late", "invite": stale}) == INVALID
        assert await seated_count(api, meeting) == 2
        # A new invite works again: the lifetime counts from minting.
        await late.join(mid, "Late", invite=await invite(api, meeting))


async def test_invite_of_another_meeting_is_refused(api: TestClient) -> None:
    ours = await keyed_meeting(api, waitingRoom=True)
    theirs = await keyed_meeting(api, waitingRoom=True)
    token = await invite(api, theirs)
    async with bots(api, 2) as (host, guest):
        await host_in(ours, host)
        assert await guest.refused("join-meeting", {"meetingId": ours["meetingId"], "invite": token}) == INVALID
        assert await seated_count(api, ours) == 1
        # Not spent by the failed attempt: it still opens its own meeting.
        await guest.join(theirs["meetingId"], "Guest", invite=token)
        assert await seated_count(api, theirs) == 1


async def test_refused_join_does_not_spend_the_invite(api: TestClient) -> None:
    meeting = await keyed_meeting(api, waitingRoom=True, maxParticipants=2)
    mid, base = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}"
    token = await invite(api, meeting)
    async with bots(api, 3) as (host, filler, guest):
        await host_in(meeting, host)
        await filler.join(mid, "Filler", invite=await invite(api, meeting))
        assert (await guest.refused("join-meeting", {"meetingId": mid, "invite": token}))["message"] == "Meeting is full"
        assert (await api.patch(f"{base}/settings", json={"maxParticipants": 10}, headers=meeting["admin"])).status == 200
        assert (await api.post(f"{base}/lock", headers=meeting["admin"])).status == 200
        assert (await guest.refused("join-meeting", {"meetingId": mid, "invite": token}))["message"] == "Meeting is locked"
        # "invite" wins over "inviteToken"; a bad "invite" fails without touching the good one.
        assert await guest.refused("join-meeting", {"meetingId": mid, "invite": "0" * 32, "inviteToken": token}) == {
            "message": "Meeting is locked", "code": "meeting_locked", "event": "join-meeting"}
        assert (await api.post(f"{base}/unlock", headers=meeting["admin"])).status == 200
        err = await guest.refused("join-meeting", {"meetingId": mid, "invite": "0" * 32, "inviteToken": token})
        assert err == INVALID
        for bogus in (123, {"t": token}, [token]):
            assert await guest.refused("join-meeting", {"meetingId": mid, "invite": bogus}) == INVALID
        await guest.join(mid, "Guest", invite=token)


async def test_invite_is_ignored_when_nothing_stops_the_caller(api: TestClient) -> None:
    """PROTOCOL.md §6: with the waiting room off, or for the host, a stale token is neither checked nor spent."""
    meeting = await keyed_meeting(api)
    mid = meeting["meetingId"]
    token = await invite(api, meeting)
    async with bots(api, 3) as (host, open_door, later):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"], invite="0" * 32)
        await open_door.join(mid, "Open", invite=token)
        resp = await api.patch(f"/api/meetings/{mid}/settings", json={"waitingRoom": True}, headers=meeting["admin"])
        assert resp.status == 200
        await later.join(mid, "Later", invite=token)  # not spent by the first, door-open join
        assert await seated_count(api, meeting) == 3


async def test_invites_survive_a_restart(start_server: StartServer) -> None:
    first = await start_server()
    meeting = await keyed_meeting(first, waitingRoom=True)
    token = await invite(first, meeting)
    await first.close()
    second = await start_server()
    async with bots(second, 1) as (guest,):
        await guest.join(meeting["meetingId"], "Guest", invite=token)
