"""How a meeting ends and how people leave it: DELETE, the empty-meeting grace period,
disconnect and kick (contract §4.10, §5.4; COMPATIBILITY.md "Meetings")."""
from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from server.meetings import MEETINGS
from tests.conftest import StartServer, eventually
from tests.meetings.support import Bot, account, bots, create_meeting, quiet


async def status_of(api: TestClient, meeting: dict) -> int:
    resp = await api.get(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    return resp.status


async def history_row(api: TestClient, key: dict[str, str], meeting_id: str) -> dict | None:
    body = await (await api.get("/api/meetings/history", headers=key)).json()
    rows = [row for row in body["meetings"] if row["meeting_id"] == meeting_id]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


async def ended_row(api: TestClient, key: dict[str, str], meeting_id: str) -> dict:
    """The history row once the end is written (a grace-period end finishes just after the
    meeting disappears from the registry)."""
    async def done() -> bool:
        row = await history_row(api, key, meeting_id)
        return row is not None and row["ended_at"] is not None

    await eventually(done, timeout=3)
    row = await history_row(api, key, meeting_id)
    assert row is not None
    return row


# -- DELETE ---------------------------------------------------------------------------------------


async def test_delete_tells_everyone_and_frees_their_sockets(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Standup")
    mid = meeting["meetingId"]
    async with bots(api, 4) as (host, ann, bob, waiter):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await ann.join(mid, "Ann")
        await bob.join(mid, "Bob")
        resp = await api.patch(f"/api/meetings/{mid}/settings", json={"waitingRoom": True}, headers=meeting["admin"])
        assert resp.status == 200
        await waiter.sio.emit("waiting-room:join", {"meetingId": mid, "name": "Wes"})
        await waiter.wait_for("waiting-room:waiting")

        resp = await api.delete(f"/api/meetings/{mid}", headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"message": "Meeting ended"}
        for bot in (host, ann, bob, waiter):
            assert await bot.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}

        # Gone for REST: unknown to GET, to the list and to a second DELETE.
        resp = await api.get(f"/api/meetings/{mid}", headers=meeting["admin"])
        assert resp.status == 404 and (await resp.json())["error"] == "Meeting not found"
        listed = await (await api.get("/api/meetings", headers=owner["key"])).json()
        assert mid not in [m["meetingId"] for m in listed["meetings"]]
        assert (await api.delete(f"/api/meetings/{mid}", headers=meeting["admin"])).status == 404

        # Freed sockets: nobody still holds a seat, so leaving tells nobody anything, joining the
        # ended meeting is refused, and another meeting can be joined at once.
        await bob.close()
        await quiet()
        assert ann.got("participant:left") == [] and host.got("participant:left") == []
        assert (await ann.refused("join-meeting", {"meetingId": mid, "name": "Ann"}))["message"] == "Meeting not found"
        other = await create_meeting(api, owner["key"])
        joined = await ann.join(other["meetingId"], "Ann")
        assert joined["participants"] == []
        await waiter.join(other["meetingId"], "Wes")
        assert (await ann.wait_for("participant:joined", 2))["name"] == "Wes"
        for bot in (host, ann, bob, waiter):
            assert len(bot.got("meeting:ended")) == 1

    row = await history_row(api, owner["key"], mid)
    assert row is not None and row["ended_at"] is not None and row["peak_participants"] == 3


async def test_delete_of_a_scheduled_meeting_cancels_it_without_history(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], scheduledAt="2099-01-01T10:00:00Z")
    resp = await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    assert resp.status == 200 and await resp.json() == {"message": "Scheduled meeting cancelled"}
    assert await status_of(api, meeting) == 404
    assert await history_row(api, owner["key"], meeting["meetingId"]) is None
    me = await (await api.get("/api/auth/me")).json()
    assert me["balance"] == "5.0000"


async def test_delete_needs_the_admin_token(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 1) as (ann,):
        await ann.join(meeting["meetingId"], "Ann")
        resp = await api.delete(f"/api/meetings/{meeting['meetingId']}", headers={"x-admin-token": "0" * 36})
        assert resp.status == 403
        await quiet()
        assert ann.got("meeting:ended") == []
    assert await status_of(api, meeting) == 200


# -- everyone leaving ----------------------------------------------------------------------------


async def test_meeting_ends_a_grace_period_after_the_last_person_leaves(start_server: StartServer) -> None:
    api = await start_server(empty_meeting_grace_seconds=0.5)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid = meeting["meetingId"]
    ann, bob = await Bot().connect(api), await Bot().connect(api)
    await ann.join(mid, "Ann")
    await bob.join(mid, "Bob")
    await ann.close()
    await bob.wait_for("participant:left")
    await asyncio.sleep(0.6)
    assert await status_of(api, meeting) == 200  # one person is still there: no grace yet

    loop = asyncio.get_running_loop()
    left_at = loop.time()
    await bob.close()
    await asyncio.sleep(0.25)
    detail = await (await api.get(f"/api/meetings/{mid}", headers=meeting["admin"])).json()
    assert detail["status"] == "active" and detail["participantCount"] == 0
    assert (await history_row(api, owner["key"], mid))["ended_at"] is None

    await eventually(lambda: _gone(api, meeting), timeout=3)
    assert loop.time() - left_at >= 0.45
    row = await ended_row(api, owner["key"], mid)
    assert row["peak_participants"] == 2
    me = await (await api.get("/api/auth/me")).json()
    spent = 5_000_000 - round(float(me["balance"]) * 1_000_000)
    assert spent == round(float(row["cost_usd"]) * 1_000_000) > 0


async def _gone(api: TestClient, meeting: dict) -> bool:
    return await status_of(api, meeting) == 404


async def test_rejoining_within_the_grace_period_keeps_the_meeting(start_server: StartServer) -> None:
    api = await start_server(empty_meeting_grace_seconds=0.6)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid = meeting["meetingId"]
    ann = await Bot().connect(api)
    await ann.join(mid, "Ann")
    await ann.close()
    await asyncio.sleep(0.2)
    async with bots(api, 1) as (bob,):
        await bob.join(mid, "Bob", isAdmin=True, adminToken=meeting["adminToken"])
        await asyncio.sleep(0.8)  # past the first grace period
        detail = await (await api.get(f"/api/meetings/{mid}", headers=meeting["admin"])).json()
        assert detail["participantCount"] == 1 and [p["name"] for p in detail["participants"]] == ["Bob"]
        assert bob.got("meeting:ended") == []
        assert (await history_row(api, owner["key"], mid))["ended_at"] is None

    # The timer starts again from the last departure, not from the first.
    await asyncio.sleep(0.35)
    assert await status_of(api, meeting) == 200
    await eventually(lambda: _gone(api, meeting), timeout=3)
    row = await ended_row(api, owner["key"], mid)
    assert row["peak_participants"] == 1


async def test_a_meeting_nobody_joined_stays_open(start_server: StartServer) -> None:
    """The grace timer starts when the last participant leaves; an unused meeting waits for its host."""
    api = await start_server(empty_meeting_grace_seconds=0.2)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    await asyncio.sleep(0.5)
    assert await status_of(api, meeting) == 200


# -- disconnect and kick --------------------------------------------------------------------------


async def test_disconnect_removes_the_participant(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid = meeting["meetingId"]
    async with bots(api, 3) as (ann, bob, cy):
        await ann.join(mid, "Ann")
        bob_id = (await bob.join(mid, "Bob"))["participantId"]
        await cy.join(mid, "Cy")
        await bob.close()
        for bot in (ann, cy):
            assert await bot.wait_for("participant:left") == {"participantId": bob_id, "name": "Bob"}
        detail = await (await api.get(f"/api/meetings/{mid}", headers=meeting["admin"])).json()
        assert detail["participantCount"] == 2 and sorted(p["name"] for p in detail["participants"]) == ["Ann", "Cy"]
        await quiet()
        assert len(ann.got("participant:left")) == 1 and len(cy.got("participant:left")) == 1
        assert ann.got("meeting:ended") == []

    resp = await api.delete(f"/api/meetings/{mid}", headers=meeting["admin"])
    assert resp.status == 200
    assert (await history_row(api, owner["key"], mid))["peak_participants"] == 3  # peak never decreases


async def test_kick_removes_the_participant_who_may_join_again(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid, admin = meeting["meetingId"], meeting["admin"]
    async with bots(api, 2) as (host, guest):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        guest_id = (await guest.join(mid, "Gus"))["participantId"]

        resp = await api.post(f"/api/meetings/{mid}/participants/{guest_id}/kick", json={"reason": "Be nice"}, headers=admin)
        assert resp.status == 200 and await resp.json() == {"message": "Gus kicked"}
        assert await guest.wait_for("admin:kick") == {"reason": "Be nice"}
        assert await host.wait_for("participant:left") == {"participantId": guest_id, "name": "Gus"}
        detail = await (await api.get(f"/api/meetings/{mid}", headers=admin)).json()
        assert [p["name"] for p in detail["participants"]] == ["Host"]

        # The kicked socket no longer hears the room ...
        await host.sio.emit("chat:message", {"text": "still here?"})
        await host.wait_for("chat:message")
        await quiet()
        assert guest.got("chat:message") == []
        # ... and kicking it again finds nobody.
        resp = await api.post(f"/api/meetings/{mid}/participants/{guest_id}/kick", json={}, headers=admin)
        assert resp.status == 404 and (await resp.json())["error"] == "Participant not found"

        # Without a waiting room, the same socket may come back, as a new participant.
        again = await guest.join(mid, "Gus")
        assert again["participantId"] != guest_id and [p["name"] for p in again["participants"]] == ["Host"]
        assert (await host.wait_for("participant:joined", 2))["participantId"] == again["participantId"]

        # With the waiting room on, a kicked guest has lost its admission and must wait again.
        await api.patch(f"/api/meetings/{mid}/settings", json={"waitingRoom": True}, headers=admin)
        resp = await api.post(f"/api/meetings/{mid}/participants/{again['participantId']}/kick", headers=admin)
        assert resp.status == 200
        assert await guest.wait_for("admin:kick", 2) == {"reason": "Removed by admin"}
        refused = await guest.refused("join-meeting", {"meetingId": mid, "name": "Gus"})
        assert refused["message"] == "Waiting for the host to admit you"
        detail = await (await api.get(f"/api/meetings/{mid}", headers=admin)).json()
        assert detail["participantCount"] == 1


async def test_kick_needs_the_admin_token(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 1) as (guest,):
        guest_id = (await guest.join(meeting["meetingId"], "Gus"))["participantId"]
        url = f"/api/meetings/{meeting['meetingId']}/participants/{guest_id}/kick"
        assert (await api.post(url, headers={**owner["key"], "x-admin-token": "nope"})).status == 403
        await quiet()
        assert guest.got("admin:kick") == []


async def test_kicking_the_last_participant_starts_the_grace_period(start_server: StartServer) -> None:
    api = await start_server(empty_meeting_grace_seconds=0.3)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid = meeting["meetingId"]
    async with bots(api, 1) as (guest,):
        guest_id = (await guest.join(mid, "Gus"))["participantId"]
        resp = await api.post(f"/api/meetings/{mid}/participants/{guest_id}/kick", headers=meeting["admin"])
        assert resp.status == 200
        await eventually(lambda: _gone(api, meeting), timeout=3)
        assert guest.got("meeting:ended") == []  # it was no longer in the room
        assert mid not in api.server.app[MEETINGS].registry
    row = await ended_row(api, owner["key"], mid)
    assert row["peak_participants"] == 1
