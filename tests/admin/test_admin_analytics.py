"""/admin/api/analytics/*: real meeting activity goes through the buffered writer into the dashboards."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from server.services import SERVICES
from store.mongo.embedded import EmbeddedMongo
from tests.admin.support import ADMIN_EMAIL, ADMIN_PASSWORD, admin_server, close_all, ok, user
from tests.conftest import StartServer, eventually
from tests.http.http_support import error_of
from tests.meetings.support import bots, create_meeting
from tests.meetings.test_billing import age

FAST = {"analytics_flush_interval_seconds": 0.05}


async def events_by_type(api: TestClient) -> dict[str, dict[str, Any]]:
    body = await ok(await api.get("/admin/api/analytics/events?days=7"))
    assert body["days"] == 7
    return {e["event_type"]: e for e in body["events"]}


async def test_meeting_activity_shows_in_the_dashboards(start_server: StartServer) -> None:
    api = await admin_server(start_server, **FAST)
    owner = await user(api)
    try:
        async with bots(api, 2) as (host, guest):
            meeting = await create_meeting(api, owner["key"], title="Demo")
            await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
            await guest.join(meeting["meetingId"], "Guest")
            await guest.sio.emit("chat:message", {"text": "hello"})
            await guest.sio.emit("react", {"emoji": "\U0001f44d"})
            await guest.sio.emit("raise-hand", {"isHandRaised": True})
            await host.sio.emit("media:screen-share", {"isScreenSharing": True})
            await host.wait_for("chat:message")
            await guest.wait_for("participant:updated", 2)  # the hand went up to the host; the screen to the guest

            live = await ok(await api.get("/admin/api/analytics/realtime"))
            assert live["activeMeetings"] == 1 and live["totalParticipants"] == 2
            assert live["activeScreenShares"] == 1 and live["activeRecordings"] == 0
            [entry] = live["meetingList"]
            assert entry["id"] == meeting["meetingId"] and entry["title"] == "Demo"
            assert entry["participantCount"] == 2 and entry["isRecording"] is False
            assert isinstance(entry["duration"], int) and entry["duration"] >= 0

            await host.sio.emit("media:screen-share", {"isScreenSharing": False})
            await guest.wait_for("participant:updated", 3)
            age(api, meeting["meetingId"], 10)  # 10 minutes × 2 participants × $0.004 = $0.08
            resp = await api.delete(f"/admin/api/meetings/{meeting['meetingId']}")
            assert resp.status == 200

        async def flushed() -> bool:
            return "meeting.ended" in await events_by_type(api)

        await eventually(flushed)
        events = await events_by_type(api)
        assert events["meeting.created"] == {"event_type": "meeting.created", "count": 1, "unique_users": 1}
        assert events["meeting.participant_joined"]["count"] == 2
        assert events["meeting.ended"]["count"] == 1

        body = await ok(await api.get("/admin/api/analytics/features"))
        assert body["days"] == 30
        features = {f["feature"]: f for f in body["features"]}
        assert features["screen_share"] == {"feature": "screen_share", "total_uses": 2, "unique_users": 1,
                                            "active_days": 1}
        assert {name: f["total_uses"] for name, f in features.items()} == {
            "screen_share": 2, "chat": 1, "reaction": 1, "hand_raise": 1}

        now = datetime.now(UTC)
        peak = await ok(await api.get("/admin/api/analytics/peak-hours"))
        assert peak == {"peakHours": [{"dow": (now.weekday() + 1) % 7, "hour": now.hour, "count": 1}], "days": 90}

        trends = (await ok(await api.get("/admin/api/analytics/trends?days=2")))["trends"]
        assert trends == [{"day": now.strftime("%Y-%m-%d"), "meetings": 1, "participants": 2,
                           "total_minutes": trends[0]["total_minutes"], "revenue": "0.0800"}]
        assert trends[0]["total_minutes"].startswith(("9.9", "10.0"))

        [this_week, *_] = (await ok(await api.get("/admin/api/analytics/retention")))["retention"]
        assert this_week["users"] == 1 and this_week["retained"] == 0
        users = {u["email"]: u for u in (await ok(await api.get("/admin/api/analytics/users")))["users"]}
        assert ADMIN_EMAIL not in users
        assert users[owner["email"]]["meeting_count"] == 1 and users[owner["email"]]["credits_spent"] == "0.0800"
        assert users[owner["email"]]["api_key_count"] == 1

        overview = await ok(await api.get("/admin/api/analytics/overview"))
        assert overview["total_users"] == "2" and overview["total_meetings"] == "1"
        assert overview["total_revenue"] == "0.0800" and int(overview["events_1d"]) >= 8
        assert all(isinstance(value, str) for value in overview.values())
        assert await ok(await api.get("/admin/api/analytics/errors")) == {"errors": [], "days": 30}
    finally:
        await close_all(owner)


async def test_days_is_an_integer_clamped_to_a_year(start_server: StartServer) -> None:
    api = await admin_server(start_server, **FAST)
    for raw, expected in (("0", 1), ("-4", 1), ("1000", 365), ("12", 12)):
        assert (await ok(await api.get(f"/admin/api/analytics/features?days={raw}")))["days"] == expected
    for raw in ("abc", "1.5", "1e3", "9" * 20):
        resp = await api.get(f"/admin/api/analytics/errors?days={raw}")
        assert await error_of(resp) == (400, "days must be an integer"), raw
    health = await ok(await api.get("/admin/api/analytics/health"))
    assert set(health) == {"uptimeSeconds", "memoryMB", "heapUsedMB", "heapTotalMB", "dbPoolTotal", "dbPoolIdle",
                           "dbPoolWaiting", "activeMeetings", "scheduledMeetings"}
    assert health["memoryMB"] > 0 and health["dbPoolTotal"] > 0 and health["activeMeetings"] == 0


async def test_the_buffered_writer_keeps_events_through_a_database_outage(
    start_server: StartServer, tmp_path: Path
) -> None:
    db = EmbeddedMongo(tmp_path / "own-db")
    await db.start()
    try:
        api = await start_server(mongodb_url=db.url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, **FAST)
        analytics = api.server.app[SERVICES].analytics
        await db.stop()
        # Two 503s while the database is down: each is an ``error.http`` event, held in the buffer
        # while the writer's attempts fail.
        answers = await asyncio.gather(api.get("/api/meetings", headers={"x-api-key": "mk_" + "0" * 24}),
                                       api.post("/api/meetings/guest", json={}))
        assert [resp.status for resp in answers] == [503, 503]
        assert len(analytics.buffer) == 2

        await db.start()  # same port, same files
        await eventually(lambda: not analytics.buffer, timeout=20)
        resp = await api.post("/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert resp.status == 200
        body = await ok(await api.get("/admin/api/analytics/errors?days=1"))
        assert sorted((e["event_type"], e["route"], e["message"], e["count"]) for e in body["errors"]) == [
            ("error.http", "/api/meetings", "Database unavailable", 1),
            ("error.http", "/api/meetings/guest", "Database unavailable", 1),
        ]
    finally:
        await db.stop()
