"""Meetings outlive the process (COMPATIBILITY.md "Scheduled meetings", "Active meetings",
"Double end / crash"): a second server on the same database carries on where the first stopped."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from server.meetings import now_ms
from server.settings import Settings
from tests.conftest import StartServer, eventually
from tests.http.http_support import database
from tests.meetings.support import PASSWORD, Bot, account, bots, create_meeting


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def detail(api: TestClient, meeting: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    resp = await api.get(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    return resp.status, await resp.json()


async def stop(server: TestClient, *connected: Bot) -> None:
    """Shut the first server down (as a deploy does) with its clients still connected: it must not
    wait for them (aiohttp would, up to the 45 s ping timeout); they see their connection drop."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await server.close()
    assert loop.time() - started < 2.0
    for bot in connected:
        await bot.wait_for("disconnect")


async def balance(api: TestClient, owner: dict[str, Any]) -> str:
    """GET /api/auth/me on a server that has not seen this client's session cookie yet."""
    resp = await api.post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert resp.status == 200
    return (await (await api.get("/api/auth/me")).json())["balance"]


async def history_row(api: TestClient, owner: dict[str, Any], meeting_id: str) -> dict[str, Any]:
    body = await (await api.get("/api/meetings/history", headers=owner["key"])).json()
    [row] = [r for r in body["meetings"] if r["meeting_id"] == meeting_id]
    return row


async def test_a_scheduled_meeting_activates_on_time_after_a_restart(start_server: StartServer) -> None:
    first = await start_server(scheduler_interval_seconds=0.1)
    owner = await account(first)
    at_ms = now_ms() + 2000
    meeting = await create_meeting(first, owner["key"], title="Later", scheduledAt=iso(at_ms))
    assert meeting["status"] == "scheduled"
    await stop(first)

    second = await start_server(scheduler_interval_seconds=0.1)
    listed = await (await second.get("/api/meetings/scheduled/list", headers=owner["key"])).json()
    assert [(m["meetingId"], m["title"], m["status"]) for m in listed["meetings"]] == [(meeting["meetingId"], "Later", "scheduled")]
    async with bots(second, 1) as (host,):
        refused = await host.refused("join-meeting", {"meetingId": meeting["meetingId"], "name": "Host"})
        assert refused["message"].startswith("This meeting is scheduled for")
        assert now_ms() < at_ms  # the refusal above was not merely lateness

        async def active() -> bool:
            return (await detail(second, meeting))[1]["status"] == "active"

        await eventually(active, timeout=4, interval=0.02)
        seen_ms = now_ms()
        assert at_ms <= seen_ms <= at_ms + 1000
        _, body = await detail(second, meeting)
        assert at_ms <= body["createdAt"] <= seen_ms  # billing starts at activation
        joined = await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        assert joined["isAdmin"] is True and joined["title"] == "Later"
    row = await history_row(second, owner, meeting["meetingId"])
    assert row["started_at"] == iso(body["createdAt"]) and row["ended_at"] is None


async def test_an_active_meeting_survives_a_restart_and_its_host_rejoins(start_server: StartServer, settings: Settings) -> None:
    first = await start_server()
    owner = await account(first)
    meeting = await create_meeting(first, owner["key"], title="Durable", muteOnJoin=True)
    mid = meeting["meetingId"]
    host, ann = await Bot().connect(first), await Bot().connect(first)
    await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
    await ann.join(mid, "Ann")
    await host.sio.emit("notes:update", {"content": "Agenda: 1. ship"})
    await ann.wait_for("notes:updated")
    await stop(first, host, ann)
    async with database(settings) as db:
        saved = await db.meetings.find_one({"_id": mid})
    assert saved is not None and saved["state"]["status"] == "active" and saved["state"]["peak_participants"] == 2

    second = await start_server(empty_meeting_grace_seconds=1.0)
    status, body = await detail(second, meeting)
    notes = await (await second.get(f"/api/meetings/{mid}/notes", headers=meeting["admin"])).json()
    assert (notes["content"], notes["lastUpdatedBy"]) == ("Agenda: 1. ship", "Host")  # the notes came through
    assert status == 200 and (body["status"], body["title"], body["participantCount"]) == ("active", "Durable", 0)
    assert body["settings"]["muteOnJoin"] is True
    async with bots(second, 2) as (host2, impostor):
        joined = await host2.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        assert joined["isAdmin"] is True and joined["settings"]["muteOnJoin"] is True
        wrong = await impostor.join(mid, "Eve", isAdmin=True, adminToken="not-the-token")
        assert wrong["isAdmin"] is False
        await asyncio.sleep(1.3)  # past the grace period that start-up armed: the re-join cancelled it
        assert (await detail(second, meeting))[0] == 200
        assert host2.got("meeting:ended") == []
        resp = await second.post(f"/api/meetings/{mid}/lock", headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"locked": True}
        resp = await second.delete(f"/api/meetings/{mid}", headers=meeting["admin"])
        assert resp.status == 200
        assert await host2.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
    row = await history_row(second, owner, mid)
    assert row["ended_at"] is not None and row["peak_participants"] == 2  # the peak came through the restart


async def test_a_restored_meeting_nobody_rejoins_ends_after_the_grace_period(start_server: StartServer, settings: Settings) -> None:
    first = await start_server()
    owner = await account(first)
    meeting = await create_meeting(first, owner["key"])
    ann = await Bot().connect(first)
    await ann.join(meeting["meetingId"], "Ann")
    await stop(first, ann)

    second = await start_server(empty_meeting_grace_seconds=0.3)

    async def ended() -> bool:
        body = await (await second.get("/api/meetings/history", headers=owner["key"])).json()
        return body["meetings"][0]["ended_at"] is not None

    await eventually(ended, timeout=3)
    assert (await detail(second, meeting))[0] == 404
    row = await history_row(second, owner, meeting["meetingId"])
    assert row["peak_participants"] == 1
    spent = 5_000_000 - int(float(await balance(second, owner)) * 1_000_000 + 0.5)
    assert spent == int(float(row["cost_usd"]) * 1_000_000 + 0.5)
    async with database(settings) as db:
        assert await db.meetings.find_one({"_id": meeting["meetingId"]}) is None


async def test_an_end_interrupted_by_a_crash_is_finished_exactly_once(start_server: StartServer, settings: Settings) -> None:
    first = await start_server()
    owner = await account(first)
    meeting = await create_meeting(first, owner["key"])
    mid = meeting["meetingId"]
    group = [await Bot().connect(first) for _ in range(3)]
    for n, bot in enumerate(group):
        await bot.join(mid, f"P{n}")
    await stop(first, *group)

    # The crash came just after the end was recorded (MeetingService.end saves it before billing).
    async with database(settings) as db:
        state = (await db.meetings.find_one({"_id": mid}))["state"]
        ended_at_ms = state["created_at_ms"] + 600_000
        await db.meetings.update_one({"_id": mid}, {"$set": {"state.status": "ended", "state.ended_at_ms": ended_at_ms}})
        ended_doc = await db.meetings.find_one({"_id": mid})

    second = await start_server()
    assert (await detail(second, meeting))[0] == 404  # ended, not restored
    row = await history_row(second, owner, mid)
    assert (row["ended_at"], row["duration_minutes"], row["peak_participants"], row["cost_usd"]) == (
        iso(ended_at_ms), "10.00", 3, "0.1200")
    assert await balance(second, owner) == "4.8800"
    async with database(settings) as db:
        assert await db.meetings.find_one({"_id": mid}) is None
    await second.close()

    # Crash again, later in the same end: charged, but neither the history nor the clean-up written.
    async with database(settings) as db:
        await db.meetings.insert_one(ended_doc)
        await db.meetings_log.update_one({"meeting_id": mid}, {"$set": {
            "ended_at": None, "duration_centiminutes": None, "peak_participants": 0, "cost_micros": 0}})

    third = await start_server()
    row = await history_row(third, owner, mid)
    assert (row["ended_at"], row["duration_minutes"], row["peak_participants"], row["cost_usd"]) == (
        iso(ended_at_ms), "10.00", 3, "0.1200")
    assert await balance(third, owner) == "4.8800"
    async with database(settings) as db:
        entries = [e async for e in db.credit_transactions.find({"reference_id": mid})]
        assert await db.meetings.find_one({"_id": mid}) is None
    assert [(e["key"], e["amount_micros"]) for e in entries] == [(f"meeting:{mid}:{state['created_at_ms']}", -120_000)]


async def test_a_restart_does_not_end_a_meeting_nobody_has_joined_yet(start_server: StartServer) -> None:
    """Before the restart it waited for its host; a restart must not turn it into a charge."""
    first = await start_server()
    owner = await account(first)
    meeting = await create_meeting(first, owner["key"])
    await first.close()

    second = await start_server(empty_meeting_grace_seconds=0.2)
    await asyncio.sleep(0.6)
    assert (await detail(second, meeting))[0] == 200
    # Checked before the host joins: once it leaves, the short grace ends (and charges) the meeting.
    assert float(await balance(second, owner)) == 5.0
    host = await Bot().connect(second)
    try:
        joined = await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        assert joined["isAdmin"] is True
    finally:
        await host.close()
