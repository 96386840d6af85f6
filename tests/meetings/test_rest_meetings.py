"""The meeting REST routes (document "Meetings", research §3.6, docs/COMPATIBILITY.md "Meetings (REST)").

Every route against a real server: its success shape, each error (status and exact message), and
that a refused request changes nothing.
"""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from server.meetings import MEETINGS
from server.settings import RateLimits, Settings
from tests.conftest import eventually
from tests.http.http_support import ISO_MS, database
from tests.meetings.support import account, bots, create_meeting, quiet

if TYPE_CHECKING:
    from tests.conftest import StartServer

MEETING_ID = re.compile(r"^[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{3}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DEFAULTS = {
    "muteOnJoin": False, "videoOffOnJoin": False, "maxParticipants": 50, "locked": False,
    "waitingRoom": False, "mediaMode": "mesh",
}
NO_KEY = "Invalid or missing API key"
BAD_DATE = "Invalid scheduledAt date format. Use ISO 8601 (e.g. 2026-03-20T14:00:00Z)"
LATER = "2099-04-01T14:00:00Z"


async def tenant(api: TestClient, **fields: Any) -> dict[str, Any]:
    """A fresh account used through its API key alone (registering leaves a session cookie, which would win)."""
    owner = await account(api, **fields)
    api.session.cookie_jar.clear()
    return owner


async def error_of(resp: ClientResponse) -> tuple[int, str]:
    return resp.status, (await resp.json())["error"]


async def listed(api: TestClient, key: dict[str, str], path: str = "/api/meetings") -> list[dict[str, Any]]:
    resp = await api.get(path, headers=key)
    assert resp.status == 200
    return (await resp.json())["meetings"]


async def detail(api: TestClient, meeting: dict[str, Any]) -> dict[str, Any]:
    resp = await api.get(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    assert resp.status == 200
    return await resp.json()


def one_char_off(secret: str) -> str:
    """The secret with its last character changed (always to a different one)."""
    return secret[:-1] + ("1" if secret[-1] == "0" else "0")


def now_ms() -> int:
    return int(time.time() * 1000)


# -- POST /api/meetings ------------------------------------------------------------------------


async def test_create_instant_meeting(api: TestClient) -> None:
    owner = await tenant(api)
    before = now_ms()
    resp = await api.post("/api/meetings", json={"title": "Team Standup"}, headers=owner["key"])
    assert resp.status == 201
    body = await resp.json()
    mid = body["meetingId"]
    assert MEETING_ID.match(mid) and UUID4.match(body["adminToken"])
    assert body == {
        "meetingId": mid, "adminToken": body["adminToken"], "joinUrl": f"/join/{mid}",
        "title": "Team Standup", "status": "active", "settings": DEFAULTS,
    }
    got = await (await api.get(f"/api/meetings/{mid}", headers=owner["key"])).json()
    assert before <= got["createdAt"] <= now_ms()
    assert got == {
        "meetingId": mid, "title": "Team Standup", "createdAt": got["createdAt"], "status": "active",
        "participantCount": 0, "participants": [], "settings": DEFAULTS,
    }


async def test_create_needs_a_valid_key(api: TestClient) -> None:
    owner = await tenant(api)
    for headers in ({}, {"x-api-key": ""}, {"x-api-key": "mk_" + "0" * 24}, {"x-api-key": owner["apiKey"] + "x"},
                    {"x-api-key": "mk_" + "a" * 200}):
        resp = await api.post("/api/meetings", json={"title": "Nope"}, headers=headers)
        assert await error_of(resp) == (401, NO_KEY), headers
    assert await listed(api, owner["key"]) == []


async def test_create_without_credit_is_402(api: TestClient, settings: Settings) -> None:
    owner = await tenant(api)
    async with database(settings) as db:
        await db.users.update_one({"email": owner["email"]}, {"$set": {"credits_micros": 0}})
    resp = await api.post("/api/meetings", json={"title": "Broke"}, headers=owner["key"])
    assert await error_of(resp) == (402, "Insufficient credits")
    assert await listed(api, owner["key"]) == []


async def test_title_rules(api: TestClient) -> None:
    owner = await tenant(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "Untitled Meeting"),
        ({"title": None}, "Untitled Meeting"),
        ({"title": ""}, "Untitled Meeting"),
        ({"title": "   "}, "Untitled Meeting"),
        ({"title": "  Weekly Sync  "}, "Weekly Sync"),
        ({"title": "x" * 150}, "x" * 100),
        ({"title": "a" * 99 + "\U0001f600"}, "a" * 99),  # never half an emoji (UTF-16 length, as JS counts)
        ({"title": "\u00e9t\u00e9 \U0001f389"}, "\u00e9t\u00e9 \U0001f389"),
    ]
    for fields, title in cases:
        resp = await api.post("/api/meetings", json=fields, headers=owner["key"])
        assert resp.status == 201 and (await resp.json())["title"] == title, fields
    refused = [
        ({"title": 123}, "title must be a string"),
        ({"title": ["a"]}, "title must be a string"),
        ({"title": "x" * 10_001}, "title too long (max 10000 characters)"),
        ({"title": "a\x00b"}, "title must not contain NUL characters"),
    ]
    for fields, message in refused:
        resp = await api.post("/api/meetings", json=fields, headers=owner["key"])
        assert await error_of(resp) == (400, message), fields
    assert len(await listed(api, owner["key"])) == len(cases)


async def test_creation_settings(api: TestClient) -> None:
    owner = await tenant(api)
    resp = await api.post("/api/meetings", headers=owner["key"], json={
        "title": "Set", "muteOnJoin": True, "videoOffOnJoin": True, "waitingRoom": True, "maxParticipants": 7,
        "locked": True,  # not a creation field: a new meeting is never locked
    })
    assert resp.status == 201
    assert (await resp.json())["settings"] == {
        **DEFAULTS, "muteOnJoin": True, "videoOffOnJoin": True, "waitingRoom": True, "maxParticipants": 7,
    }
    # maxParticipants is clamped to 2..500; a numeric string or an integral float is a number.
    for given, kept in ((1, 2), (0, 2), (-5, 2), (2, 2), (500, 500), (501, 500), (10**9, 500),
                        ("12", 12), (" 12 ", 12), (12.0, 12), (None, 50)):
        resp = await api.post("/api/meetings", json={"maxParticipants": given}, headers=owner["key"])
        assert resp.status == 201, given
        assert (await resp.json())["settings"]["maxParticipants"] == kept, given
    count = len(await listed(api, owner["key"]))
    refused = [
        ({"maxParticipants": 12.5}, "maxParticipants must be an integer"),
        ({"maxParticipants": "abc"}, "maxParticipants must be an integer"),
        ({"maxParticipants": True}, "maxParticipants must be an integer"),
        ({"maxParticipants": [10]}, "maxParticipants must be an integer"),
        ({"muteOnJoin": "false"}, "muteOnJoin must be a boolean"),
        ({"videoOffOnJoin": 1}, "videoOffOnJoin must be a boolean"),
        ({"waitingRoom": "yes"}, "waitingRoom must be a boolean"),
        ({"mediaMode": "p2p"}, "mediaMode must be 'mesh' or 'sfu'"),
    ]
    for fields, message in refused:
        resp = await api.post("/api/meetings", json={"title": "Bad", **fields}, headers=owner["key"])
        assert await error_of(resp) == (400, message), fields
    assert len(await listed(api, owner["key"])) == count


async def test_default_cap_comes_from_the_site_setting(api: TestClient, settings: Settings) -> None:
    owner = await tenant(api)
    async with database(settings) as db:
        await db.site_settings.update_one({"_id": "max_participants_default"}, {"$set": {"value": 8}}, upsert=True)
    meeting = await create_meeting(api, owner["key"])
    assert meeting["settings"]["maxParticipants"] == 8
    meeting = await create_meeting(api, owner["key"], maxParticipants=20)
    assert meeting["settings"]["maxParticipants"] == 20
    for stored, used in ((1000, 500), (0, 2)):  # an out-of-range setting is held to the cap's range
        async with database(settings) as db:
            await db.site_settings.update_one({"_id": "max_participants_default"}, {"$set": {"value": stored}})
        meeting = await create_meeting(api, owner["key"])
        assert meeting["settings"]["maxParticipants"] == used


async def test_guest_meetings_can_be_switched_off(api: TestClient, settings: Settings) -> None:
    async with database(settings) as db:
        await db.site_settings.update_one({"_id": "guest_meetings_enabled"}, {"$set": {"value": False}}, upsert=True)
    resp = await api.post("/api/meetings/guest", json={"title": "Quick"})
    assert await error_of(resp) == (403, "Guest meetings are disabled")
    assert len(api.server.app[MEETINGS].registry) == 0
    owner = await tenant(api)
    assert (await create_meeting(api, owner["key"]))["status"] == "active"  # keyed meetings are unaffected


async def test_create_scheduled_meeting(start_server: StartServer) -> None:
    api = await start_server(scheduler_interval_seconds=0.05)
    owner = await tenant(api)
    resp = await api.post("/api/meetings", json={"title": "Weekly Sync", "scheduledAt": LATER}, headers=owner["key"])
    assert resp.status == 201
    body = await resp.json()
    mid = body["meetingId"]
    assert MEETING_ID.match(mid) and UUID4.match(body["adminToken"])
    assert body == {
        "meetingId": mid, "adminToken": body["adminToken"], "joinUrl": f"/join/{mid}", "title": "Weekly Sync",
        "scheduledAt": "2099-04-01T14:00:00.000Z", "status": "scheduled", "settings": DEFAULTS,
    }
    got = await (await api.get(f"/api/meetings/{mid}", headers=owner["key"])).json()
    assert got == {
        "meetingId": mid, "title": "Weekly Sync", "createdAt": got["createdAt"],
        "scheduledAt": "2099-04-01T14:00:00.000Z", "status": "scheduled", "settings": DEFAULTS,
    }
    # Other spellings JS's Date accepts: an offset, fractional seconds, epoch milliseconds.
    soon = now_ms() + 3_600_000
    for given, iso in (("2099-04-01T16:00:00+02:00", "2099-04-01T14:00:00.000Z"),
                       ("2099-04-01T14:00:00.250Z", "2099-04-01T14:00:00.250Z"),
                       (soon, datetime.fromtimestamp(soon // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
                        + f"{soon % 1000:03d}Z")):
        resp = await api.post("/api/meetings", json={"scheduledAt": given}, headers=owner["key"])
        assert resp.status == 201, given
        body = await resp.json()
        assert (body["status"], body["scheduledAt"]) == ("scheduled", iso), given
    # Far beyond Node's 24.8-day timer limit it stays scheduled (the original activated it at once).
    far = await create_meeting(api, owner["key"], scheduledAt=LATER)
    await quiet(0.3)  # several scheduler ticks
    assert (await detail(api, far))["status"] == "scheduled"
    # A meeting whose time has come opens by itself (document "Scheduling": auto-activate at start time).
    start = now_ms() + 600
    due = await create_meeting(api, owner["key"], title="Due", scheduledAt=start)
    async with bots(api, 1) as (early,):
        assert (await early.refused("join-meeting", {"meetingId": due["meetingId"]}))["code"] == "meeting_scheduled"
        await eventually(lambda: api.server.app[MEETINGS].registry.get(due["meetingId"]).status.value == "active")
        got = await detail(api, due)
        assert got["status"] == "active" and got["createdAt"] >= start and "scheduledAt" not in got
        assert (await early.join(due["meetingId"], "On time"))["title"] == "Due"
    scheduled = [m["meetingId"] for m in await listed(api, owner["key"], "/api/meetings/scheduled/list")]
    assert far["meetingId"] in scheduled and due["meetingId"] not in scheduled


async def test_scheduled_at_validation(api: TestClient) -> None:
    owner = await tenant(api)
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = [
        ("not a date", BAD_DATE), ("2030-13-45T00:00:00Z", BAD_DATE), ("tomorrow", BAD_DATE),
        ({"at": LATER}, BAD_DATE), ([LATER], BAD_DATE), (True, BAD_DATE), ("9" * 65, BAD_DATE),
        (past, "scheduledAt must be in the future"),
        ("2001-01-01T00:00:00Z", "scheduledAt must be in the future"),
        (now_ms() - 1000, "scheduledAt must be in the future"),
    ]
    for given, message in refused:
        resp = await api.post("/api/meetings", json={"title": "When", "scheduledAt": given}, headers=owner["key"])
        assert await error_of(resp) == (400, message), given
    # Instants no ISO date can show (JS's Date says Invalid Date to most): refused, not a 500 that
    # leaves behind a meeting which breaks every later listing.
    for raw, expected in (("Infinity", "Invalid JSON body"), ("-Infinity", "Invalid JSON body"),
                          ("NaN", "Invalid JSON body"), ("1e300", BAD_DATE), ("99999999999999999", BAD_DATE),
                          ('"9999-12-31T23:59:59-01:00"', BAD_DATE)):
        resp = await api.post("/api/meetings", data=f'{{"scheduledAt": {raw}}}',
                              headers={**owner["key"], "Content-Type": "application/json"})
        assert await error_of(resp) == (400, expected), raw
    assert await listed(api, owner["key"]) == []
    resp = await api.post("/api/meetings", json={"scheduledAt": "9999-12-31T23:59:59.999Z"}, headers=owner["key"])
    assert resp.status == 201 and (await resp.json())["scheduledAt"] == "9999-12-31T23:59:59.999Z"
    assert len(await listed(api, owner["key"], "/api/meetings/scheduled/list")) == 1
    # Missing, null, empty or false: an instant meeting (JS falsy).
    for given in ({}, {"scheduledAt": None}, {"scheduledAt": ""}, {"scheduledAt": False}):
        resp = await api.post("/api/meetings", json=given, headers=owner["key"])
        body = await resp.json()
        assert resp.status == 201 and body["status"] == "active" and "scheduledAt" not in body, given


async def test_scheduled_meeting_is_not_open_yet(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Later", scheduledAt=LATER)
    mid = meeting["meetingId"]
    async with bots(api, 1) as (guest,):
        err = await guest.refused("join-meeting", {"meetingId": mid, "name": "Early"})
        assert err == {
            "message": "This meeting is scheduled for 4/1/2099, 2:00:00 PM. Please wait until it starts.",
            "code": "meeting_scheduled", "event": "join-meeting",
        }
    # Host controls need an active meeting (research §2 findMeeting): 404, nothing changed.
    for method, path, body in (("PATCH", "/settings", {"locked": True}), ("POST", "/lock", None),
                               ("POST", "/unlock", None), ("POST", "/invite", None), ("POST", "/mute-all", None)):
        resp = await api.request(method, f"/api/meetings/{mid}{path}", json=body, headers=meeting["admin"])
        assert await error_of(resp) == (404, "Meeting not found"), path
    assert (await detail(api, meeting))["settings"] == DEFAULTS


# -- POST /api/meetings/guest ---------------------------------------------------------------------


async def test_guest_meeting(api: TestClient) -> None:
    resp = await api.post("/api/meetings/guest", json={"title": "Quick Sync"})
    assert resp.status == 201
    body = await resp.json()
    mid = body["meetingId"]
    assert MEETING_ID.match(mid) and UUID4.match(body["adminToken"])
    assert body == {"meetingId": mid, "adminToken": body["adminToken"], "joinUrl": f"/join/{mid}", "title": "Quick Sync"}
    # COMPATIBILITY.md: the default title stays the original's "Untitled Meeting".
    assert (await (await api.post("/api/meetings/guest")).json())["title"] == "Untitled Meeting"
    resp = await api.post("/api/meetings/guest", json={"title": 5})
    assert await error_of(resp) == (400, "title must be a string")
    # No owner: no tenant lists it or reads it; its host token alone runs it.
    owner = await tenant(api)
    assert await listed(api, owner["key"]) == []
    resp = await api.get(f"/api/meetings/{mid}", headers=owner["key"])
    assert await error_of(resp) == (404, "Meeting not found")
    host = {"x-admin-token": body["adminToken"]}
    resp = await api.post(f"/api/meetings/{mid}/lock", headers=host)
    assert resp.status == 200 and await resp.json() == {"locked": True}
    async with bots(api, 1) as (guest,):
        joined = await guest.join(mid, "Host", isAdmin=True, adminToken=body["adminToken"])
        assert joined["title"] == "Quick Sync" and joined["isAdmin"] is True
        assert joined["settings"] == {**DEFAULTS, "locked": True}
    resp = await api.delete(f"/api/meetings/{mid}", headers=host)
    assert resp.status == 200 and await resp.json() == {"message": "Meeting ended"}
    assert await listed(api, owner["key"], "/api/meetings/history") == []


async def test_guest_meetings_are_rate_limited_per_ip(start_server: StartServer) -> None:
    api = await start_server(rate_limits=RateLimits(
        auth="10000/minute", reset="10000/minute", api="100000/minute", guest="2/hour",
    ))
    made = []
    for title in ("One", "Two"):
        resp = await api.post("/api/meetings/guest", json={"title": title})
        assert resp.status == 201
        made.append((await resp.json())["meetingId"])
    resp = await api.post("/api/meetings/guest", json={"title": "Three"})
    assert await error_of(resp) == (429, "Too many guest meetings — please create a free account for more")
    assert resp.headers["RateLimit-Limit"] == "2" and resp.headers["RateLimit-Remaining"] == "0"
    assert int(resp.headers["Retry-After"]) > 3000
    # The refused request made no meeting; keyed creation is not limited by the guest limiter.
    assert [m.id for m in api.server.app[MEETINGS].registry] == made
    owner = await tenant(api)
    assert (await api.post("/api/meetings", json={}, headers=owner["key"])).status == 201


# -- listing and reading ----------------------------------------------------------------------------


async def test_lists_show_only_the_callers_meetings(api: TestClient) -> None:
    alice, bob = await tenant(api), await tenant(api)
    a1 = await create_meeting(api, alice["key"], title="A one")
    b1 = await create_meeting(api, bob["key"], title="B one")
    a2 = await create_meeting(api, alice["key"], title="A later", scheduledAt=LATER)
    async with bots(api, 2) as (x, y):
        await x.join(a1["meetingId"], "X")
        await y.join(a1["meetingId"], "Y")
        meetings = await listed(api, alice["key"])
    assert meetings == [
        {"meetingId": a1["meetingId"], "title": "A one", "status": "active", "createdAt": meetings[0]["createdAt"],
         "participantCount": 2},
        {"meetingId": a2["meetingId"], "title": "A later", "status": "scheduled",
         "createdAt": meetings[1]["createdAt"], "scheduledAt": "2099-04-01T14:00:00.000Z", "participantCount": 0},
    ]
    assert meetings[0]["createdAt"] <= meetings[1]["createdAt"] <= now_ms()
    assert [m["meetingId"] for m in await listed(api, bob["key"])] == [b1["meetingId"]]

    scheduled = await listed(api, alice["key"], "/api/meetings/scheduled/list")
    assert scheduled == [{"meetingId": a2["meetingId"], "title": "A later", "scheduledAt": "2099-04-01T14:00:00.000Z",
                          "status": "scheduled", "createdAt": meetings[1]["createdAt"]}]
    assert await listed(api, bob["key"], "/api/meetings/scheduled/list") == []

    # Another tenant's meeting is a 404 whether active or scheduled; unknown ids too.
    for mid in (b1["meetingId"], "000-0000-000", "nope"):
        resp = await api.get(f"/api/meetings/{mid}", headers=alice["key"])
        assert await error_of(resp) == (404, "Meeting not found"), mid
    resp = await api.get(f"/api/meetings/{a2['meetingId']}", headers=bob["key"])
    assert await error_of(resp) == (404, "Meeting not found")
    # ... unless the caller shows that meeting's host token (COMPATIBILITY.md); a wrong token does not help.
    resp = await api.get(f"/api/meetings/{b1['meetingId']}", headers={**alice["key"], "x-admin-token": b1["adminToken"]})
    assert resp.status == 200 and (await resp.json())["title"] == "B one"
    resp = await api.get(f"/api/meetings/{b1['meetingId']}", headers={**alice["key"], "x-admin-token": a1["adminToken"]})
    assert await error_of(resp) == (404, "Meeting not found")


async def test_company_members_see_the_company_meetings(api: TestClient, settings: Settings) -> None:
    owner = await tenant(api, accountType="company", companyName="Acme")
    member, outsider = await tenant(api), await tenant(api)
    async with database(settings) as db:
        company = (await db.users.find_one({"email": owner["email"]}))["company_id"]
        assert company is not None
        await db.users.update_one({"email": member["email"]}, {"$set": {"company_id": company}})
    by_owner = await create_meeting(api, owner["key"], title="Owner's")
    by_member = await create_meeting(api, member["key"], title="Member's", scheduledAt=LATER)
    await create_meeting(api, outsider["key"], title="Elsewhere")
    both = [by_owner["meetingId"], by_member["meetingId"]]
    for who in (owner, member):
        assert [m["meetingId"] for m in await listed(api, who["key"])] == both
        assert [m["meetingId"] for m in await listed(api, who["key"], "/api/meetings/scheduled/list")] == both[1:]
        for mid in both:
            assert (await api.get(f"/api/meetings/{mid}", headers=who["key"])).status == 200
    assert [m["title"] for m in await listed(api, outsider["key"])] == ["Elsewhere"]
    for mid in both:
        assert (await api.get(f"/api/meetings/{mid}", headers=outsider["key"])).status == 404


async def test_detail_lists_participants(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Live")
    mid = meeting["meetingId"]
    async with bots(api, 2) as (host, guest):
        before = now_ms()
        h = await host.join(mid, "Alice", isAdmin=True, adminToken=meeting["adminToken"])
        g = await guest.join(mid, "Bob")
        await guest.sio.emit("media:toggle-video", {"isVideoOff": True})
        await guest.sio.emit("media:screen-share", {"isScreenSharing": True})
        await host.wait_for("participant:updated", 2)
        body = await detail(api, meeting)
        assert body["participantCount"] == 2
        assert body["participants"] == [
            {"participantId": h["participantId"], "name": "Alice", "isMuted": False, "isVideoOff": False,
             "isScreenSharing": False, "joinedAt": body["participants"][0]["joinedAt"]},
            {"participantId": g["participantId"], "name": "Bob", "isMuted": False, "isVideoOff": True,
             "isScreenSharing": True, "joinedAt": body["participants"][1]["joinedAt"]},
        ]
        assert before <= body["participants"][0]["joinedAt"] <= body["participants"][1]["joinedAt"] <= now_ms()
        await guest.close()
        await host.wait_for("participant:left")
        assert [p["name"] for p in (await detail(api, meeting))["participants"]] == ["Alice"]


async def test_history_is_not_shadowed_by_meeting_id(api: TestClient) -> None:
    owner = await tenant(api)
    assert await listed(api, owner["key"], "/api/meetings/history") == []
    meeting = await create_meeting(api, owner["key"], title="Logged")
    assert (await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])).status == 200
    rows = await listed(api, owner["key"], "/api/meetings/history")
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"id", "meeting_id", "title", "started_at", "ended_at", "duration_minutes",
                        "peak_participants", "cost_usd"}
    assert (row["meeting_id"], row["title"], row["peak_participants"]) == (meeting["meetingId"], "Logged", 0)
    assert isinstance(row["id"], int) and ISO_MS.match(row["started_at"]) and ISO_MS.match(row["ended_at"])
    assert re.fullmatch(r"\d+\.\d\d", row["duration_minutes"]) and re.fullmatch(r"\d+\.\d{4}", row["cost_usd"])
    other = await tenant(api)
    assert await listed(api, other["key"], "/api/meetings/history") == []


async def test_read_routes_need_a_key(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"])
    for path in ("/api/meetings", "/api/meetings/scheduled/list", "/api/meetings/history",
                 f"/api/meetings/{meeting['meetingId']}"):
        for headers in ({}, {"x-api-key": "mk_wrong"}, {"x-admin-token": meeting["adminToken"]}):
            assert await error_of(await api.get(path, headers=headers)) == (401, NO_KEY), (path, headers)


# -- DELETE /api/meetings/:id -------------------------------------------------------------------


async def test_end_meeting(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Ending")
    mid, path = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}"
    async with bots(api, 2) as (host, guest):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join(mid, "Guest")
        # Refusals, in the original's order: bad key 401, then unknown meeting 404, then token 403.
        refusals = [
            ({}, 403, "Admin token required"),
            ({"x-admin-token": ""}, 403, "Admin token required"),
            ({"x-admin-token": one_char_off(meeting["adminToken"])}, 403, "Admin token required"),
            ({**owner["key"]}, 403, "Admin token required"),
            ({"x-api-key": "mk_wrong", "x-admin-token": meeting["adminToken"]}, 401, NO_KEY),
        ]
        for headers, status, message in refusals:
            assert await error_of(await api.delete(path, headers=headers)) == (status, message), headers
        resp = await api.delete("/api/meetings/000-0000-000", headers=meeting["admin"])
        assert await error_of(resp) == (404, "Meeting not found")
        await quiet()
        assert not guest.got("meeting:ended")
        assert (await detail(api, meeting))["participantCount"] == 2

        resp = await api.delete(path, headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"message": "Meeting ended"}
        for bot in (host, guest):
            assert await bot.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
        # The room is closed: a chat message now reaches nobody.
        err = await guest.refused("chat:message", {"text": "anyone?"})
        assert err["code"] == "participant_not_found"
        await quiet()
        assert not host.got("chat:message")
    assert await error_of(await api.get(path, headers=owner["key"])) == (404, "Meeting not found")
    assert await error_of(await api.delete(path, headers=meeting["admin"])) == (404, "Meeting not found")
    assert await listed(api, owner["key"]) == []
    history = await listed(api, owner["key"], "/api/meetings/history")
    assert history[0]["meeting_id"] == mid and history[0]["ended_at"] is not None
    assert history[0]["peak_participants"] == 2


async def test_cancel_scheduled_meeting(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Maybe", scheduledAt=LATER)
    path = f"/api/meetings/{meeting['meetingId']}"
    assert await error_of(await api.delete(path, headers=owner["key"])) == (403, "Admin token required")
    assert len(await listed(api, owner["key"], "/api/meetings/scheduled/list")) == 1
    resp = await api.delete(path, headers=meeting["admin"])
    assert resp.status == 200 and await resp.json() == {"message": "Scheduled meeting cancelled"}
    assert await listed(api, owner["key"]) == []
    assert await listed(api, owner["key"], "/api/meetings/scheduled/list") == []
    assert await error_of(await api.get(path, headers=owner["key"])) == (404, "Meeting not found")
    assert await error_of(await api.delete(path, headers=meeting["admin"])) == (404, "Meeting not found")
    assert await listed(api, owner["key"], "/api/meetings/history") == []  # never started, never billed


# -- PATCH /settings, lock, unlock ----------------------------------------------------------------


async def test_patch_every_setting(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Tunable")
    mid, path = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}/settings"
    async with bots(api, 3) as (host, guest, late):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join(mid, "Guest")
        patch = {"title": "  Renamed  ", "muteOnJoin": True, "videoOffOnJoin": True, "maxParticipants": 3,
                 "locked": False, "waitingRoom": False, "mediaMode": "mesh", "unknownField": 1}
        resp = await api.patch(path, json=patch, headers=meeting["admin"])
        assert resp.status == 200
        wanted = {**DEFAULTS, "muteOnJoin": True, "videoOffOnJoin": True, "maxParticipants": 3}
        assert await resp.json() == {"settings": wanted, "title": "Renamed"}
        for bot in (host, guest):
            assert await bot.wait_for("meeting:settings-updated") == wanted  # no title in it
        got = await detail(api, meeting)
        assert (got["title"], got["settings"]) == ("Renamed", wanted)
        # The new settings rule the next join.
        joined = await late.join(mid, "Late")
        assert (joined["title"], joined["settings"]) == ("Renamed", wanted)
        me = [p for p in (await detail(api, meeting))["participants"] if p["name"] == "Late"]
        assert (me[0]["isMuted"], me[0]["isVideoOff"]) == (True, True)
        async with bots(api, 1) as (fourth,):
            assert (await fourth.refused("join-meeting", {"meetingId": mid}))["message"] == "Meeting is full"

        # A partial patch changes only what it names; the cap is clamped like at creation.
        for given, kept in ((1, 2), (9999, 500), (40, 40)):
            resp = await api.patch(path, json={"maxParticipants": given}, headers=meeting["admin"])
            assert (await resp.json())["settings"] == {**wanted, "maxParticipants": kept}
        assert (await host.wait_for("meeting:settings-updated", 4))["maxParticipants"] == 40
        resp = await api.patch(path, json={"locked": True, "waitingRoom": True}, headers=meeting["admin"])
        final = {**wanted, "maxParticipants": 40, "locked": True, "waitingRoom": True}
        assert await resp.json() == {"settings": final, "title": "Renamed"}
        assert await late.wait_for("meeting:settings-updated", 4) == final


async def test_bad_patch_changes_nothing(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Stable")
    mid, path = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}/settings"
    async with bots(api, 1) as (guest,):
        await guest.join(mid, "Guest")
        refused = [
            ({"muteOnJoin": "true"}, "muteOnJoin must be a boolean"),
            ({"videoOffOnJoin": 0}, "videoOffOnJoin must be a boolean"),
            ({"locked": None}, "locked must be a boolean"),
            ({"waitingRoom": "on"}, "waitingRoom must be a boolean"),
            ({"maxParticipants": "10"}, "maxParticipants must be an integer"),
            ({"maxParticipants": 2.5}, "maxParticipants must be an integer"),
            ({"maxParticipants": False}, "maxParticipants must be an integer"),
            ({"mediaMode": "relay"}, "mediaMode must be 'mesh' or 'sfu'"),
            ({"title": ""}, "title must be a non-empty string"),
            ({"title": "   "}, "title must be a non-empty string"),
            ({"title": 7}, "title must be a non-empty string"),
            # One bad field spoils the whole patch: the good ones before it are not applied either.
            ({"muteOnJoin": True, "locked": True, "maxParticipants": "x"}, "maxParticipants must be an integer"),
            ({"title": "New", "waitingRoom": 1}, "waitingRoom must be a boolean"),
        ]
        for body, message in refused:
            assert await error_of(await api.patch(path, json=body, headers=meeting["admin"])) == (400, message), body
        for raw, message in (("[1, 2]", "JSON body must be an object"), ("{oops", "Invalid JSON body")):
            resp = await api.patch(path, data=raw, headers={**meeting["admin"], "Content-Type": "application/json"})
            assert await error_of(resp) == (400, message)
        for headers, status, message in (
            ({}, 403, "Admin token required"),
            (owner["key"], 403, "Admin token required"),
            ({"x-admin-token": "nope"}, 403, "Admin token required"),
            ({"x-api-key": "mk_bad", "x-admin-token": meeting["adminToken"]}, 401, NO_KEY),
        ):
            resp = await api.patch(path, json={"locked": True}, headers=headers)
            assert await error_of(resp) == (status, message), headers
        resp = await api.patch("/api/meetings/000-0000-000/settings", json={"locked": True}, headers=meeting["admin"])
        assert await error_of(resp) == (404, "Meeting not found")
        await quiet()
        assert guest.got("meeting:settings-updated") == []
    got = await detail(api, meeting)
    assert (got["title"], got["settings"]) == ("Stable", DEFAULTS)


async def test_switching_the_waiting_room_off_admits_the_queue(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], waitingRoom=True)
    mid, path = meeting["meetingId"], f"/api/meetings/{meeting['meetingId']}/settings"
    async with bots(api, 2) as (host, waiter):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        err = await waiter.refused("join-meeting", {"meetingId": mid, "name": "Wendy"})
        assert (err["code"], err["message"]) == ("waiting_room_required", "Waiting for the host to admit you")
        await waiter.sio.emit("waiting-room:join", {"meetingId": mid, "name": "Wendy"})
        await host.wait_for("waiting-room:participant-waiting")
        resp = await api.patch(path, json={"waitingRoom": False}, headers=meeting["admin"])
        assert (await resp.json())["settings"]["waitingRoom"] is False
        assert await waiter.wait_for("waiting-room:admitted") is None
        assert (await host.wait_for("meeting:settings-updated"))["waitingRoom"] is False
        assert not waiter.got("meeting:settings-updated")  # not seated yet, so not in the room
        await waiter.join(mid, "Wendy")


async def test_lock_and_unlock(api: TestClient) -> None:
    owner = await tenant(api)
    meeting = await create_meeting(api, owner["key"], title="Door")
    mid = meeting["meetingId"]
    base = f"/api/meetings/{mid}"
    async with bots(api, 4) as (host, guest, stranger, cohost):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join(mid, "Guest")
        for headers in ({}, owner["key"], {"x-admin-token": "wrong"}):
            assert await error_of(await api.post(f"{base}/lock", headers=headers)) == (403, "Admin token required")
        assert await error_of(await api.post("/api/meetings/000-0000-000/lock", headers=meeting["admin"])) == (
            404, "Meeting not found")
        await quiet()
        assert guest.got("meeting:settings-updated") == [] and (await detail(api, meeting))["settings"] == DEFAULTS

        resp = await api.post(f"{base}/lock", headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"locked": True}
        for bot in (host, guest):
            assert await bot.wait_for("meeting:settings-updated") == {**DEFAULTS, "locked": True}
        assert (await detail(api, meeting))["settings"]["locked"] is True
        err = await stranger.refused("join-meeting", {"meetingId": mid, "name": "Late"})
        assert err == {"message": "Meeting is locked", "code": "meeting_locked", "event": "join-meeting"}
        err = await stranger.refused("join-meeting", {"meetingId": mid, "isAdmin": True, "adminToken": "guess"})
        assert err["message"] == "Meeting is locked"
        assert (await cohost.join(mid, "Cohost", isAdmin=True, adminToken=meeting["adminToken"]))["isAdmin"] is True
        assert (await detail(api, meeting))["participantCount"] == 3

        resp = await api.post(f"{base}/unlock", headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"locked": False}
        for bot in (host, guest, cohost):
            assert (await bot.wait_for("meeting:settings-updated", 2 if bot is not cohost else 1)) == DEFAULTS
        await stranger.join(mid, "Late")
        assert await error_of(await api.post(f"{base}/unlock", headers={"x-admin-token": "x"})) == (
            403, "Admin token required")


# -- GET /api/config, /api/config/ice-servers (what the join page asks before joining) ---------------


async def test_client_config_and_ice_servers(start_server: StartServer) -> None:
    api = await start_server(turn_urls=("turn:turn.example.com:3478",), turn_username="u", turn_credential="p")
    resp = await api.get("/api/config")
    assert resp.status == 200 and await resp.json() == {
        "recordingEnabled": True, "screenShareEnabled": True, "blurEnabled": True, "registrationEnabled": True,
        "guestMeetingsEnabled": True, "cardPaymentsEnabled": False, "usdcDepositsEnabled": False,
    }
    resp = await api.get("/api/config/ice-servers")
    assert resp.status == 200 and await resp.json() == {"iceServers": [
        {"urls": "stun:stun.l.google.com:19302"},
        {"urls": "stun:stun1.l.google.com:19302"},
        {"urls": ["turn:turn.example.com:3478"], "username": "u", "credential": "p"},
    ]}


async def test_an_api_key_speaks_for_its_owner_even_beside_a_session_cookie(api: TestClient) -> None:
    """A browser logged in as one user, calling with another user's key, acts as the key's owner."""
    alice = await account(api)
    await account(api)  # Bob: the client's cookie jar now holds Bob's session
    made = await create_meeting(api, alice["key"], title="Alice's")
    resp = await api.get(f"/api/meetings/{made['meetingId']}", headers=alice["key"])
    assert resp.status == 200 and (await resp.json())["title"] == "Alice's"
    listed_by_key = await (await api.get("/api/meetings", headers=alice["key"])).json()
    assert [m["meetingId"] for m in listed_by_key["meetings"]] == [made["meetingId"]]
    listed_by_cookie = await (await api.get("/api/meetings")).json()
    assert listed_by_cookie["meetings"] == []  # Bob's session: Bob has none
    resp = await api.get("/api/meetings", headers={"x-api-key": "mk_" + "0" * 24})
    assert resp.status == 401 and (await resp.json())["error"] == "Invalid or missing API key"


async def test_history_pages_newest_first_without_gaps_or_repeats(api: TestClient) -> None:
    owner = await tenant(api)
    for n in range(7):
        meeting = await create_meeting(api, owner["key"], title=f"M{n}")
        assert (await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])).status == 200
    everything = await listed(api, owner["key"], "/api/meetings/history?limit=200")
    assert [row["title"] for row in everything] == [f"M{n}" for n in reversed(range(7))]
    paged: list[dict[str, Any]] = []
    before = ""
    while True:
        page = await listed(api, owner["key"], f"/api/meetings/history?limit=3{before}")
        if not page:
            break
        assert len(page) <= 3
        paged += page
        before = f"&before={page[-1]['id']}"
    assert paged == everything
    for query in ("limit=0", "limit=201", "limit=x", "limit=%C2%B2", "before=0", "before=-1", "before=%C2%B2"):
        resp = await api.get(f"/api/meetings/history?{query}", headers=owner["key"])
        assert resp.status == 400, query
