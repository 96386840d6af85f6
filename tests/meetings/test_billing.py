"""Credits: the sign-up credit, the charge at meeting end (contract §5.5: duration × peak × rate,
half-up to $0.0001), one ledger entry per meeting, company balances, 402, history (§3.8)."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient

from server.meetings import MEETINGS, now_ms
from server.settings import Settings
from tests.http.http_support import browser, database
from tests.meetings.support import account, bots, create_meeting

# Aged meetings are made SLACK_MS younger than the round figure, so the few milliseconds the
# ending request takes fall well inside the $0.0001 and 0.01-minute rounding steps.
SLACK_MS = 100
MINUTES = re.compile(r"^\d+\.\d\d$")


def micros(usd: str) -> int:
    return int(Decimal(usd) * 1_000_000)


async def me(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/auth/me")
    assert resp.status == 200
    return await resp.json()


async def history(api: TestClient, key: dict[str, str]) -> list[dict[str, Any]]:
    resp = await api.get("/api/meetings/history", headers=key)
    assert resp.status == 200
    return (await resp.json())["meetings"]


def age(api: TestClient, meeting_id: str, minutes: int) -> int:
    """Make the live meeting ``minutes`` old (less the slack); returns its new created_at_ms."""
    meeting = api.server.app[MEETINGS].registry.get(meeting_id)
    meeting.created_at_ms = now_ms() - minutes * 60_000 + SLACK_MS
    return meeting.created_at_ms


async def end(api: TestClient, meeting: dict[str, Any]) -> None:
    resp = await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
    assert resp.status == 200, await resp.text()


async def run_meeting(api: TestClient, key: dict[str, str], minutes: int, people: int, **fields: Any) -> dict[str, Any]:
    """A meeting with ``people`` joined at once, ``minutes`` long, ended by DELETE."""
    meeting = await create_meeting(api, key, **fields)
    async with bots(api, people) as group:
        for n, bot in enumerate(group):
            await bot.join(meeting["meetingId"], f"P{n}")
        age(api, meeting["meetingId"], minutes)
        await end(api, meeting)
    return meeting


async def set_site(settings: Settings, key: str, value: int) -> None:
    async with database(settings) as db:
        await db.site_settings.update_one({"_id": key}, {"$set": {"value": value}}, upsert=True)


async def charges(settings: Settings, meeting_id: str) -> list[dict[str, Any]]:
    async with database(settings) as db:
        return [e async for e in db.credit_transactions.find({"reference_id": meeting_id})]


# -- the sign-up credit -----------------------------------------------------------------------------


async def test_new_accounts_start_with_the_signup_credit(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    profile = await me(api)
    assert profile["balance"] == "5.0000" and profile["credits_usd"] == "5.0000"
    async with database(settings) as db:
        entries = [e async for e in db.credit_transactions.find({"user_id": profile["id"]})]
    assert [(e["type"], e["amount_micros"]) for e in entries] == [("signup_credit", 5_000_000)]
    assert owner["apiKey"]

    await set_site(settings, "signup_credit_micros", 1_234_500)
    await account(api)
    assert (await me(api))["balance"] == "1.2345"


# -- the charge ----------------------------------------------------------------------------------------


async def test_charge_is_duration_times_peak_times_rate(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], title="Standup")
    mid = meeting["meetingId"]
    async with bots(api, 3) as group:
        for n, bot in enumerate(group):
            await bot.join(mid, f"P{n}")
        await group[2].close()  # peak stays 3
        created_at_ms = age(api, mid, 10)
        await end(api, meeting)

    profile = await me(api)
    assert profile["balance"] == "4.8800" and profile["credits_usd"] == "4.8800"  # 10 min × 3 × $0.004
    [row] = await history(api, owner["key"])
    assert row["meeting_id"] == mid and row["title"] == "Standup"
    assert (row["duration_minutes"], row["peak_participants"], row["cost_usd"]) == ("10.00", 3, "0.1200")
    [entry] = await charges(settings, mid)
    assert entry["amount_micros"] == -120_000 and entry["type"] == "meeting_charge"
    assert entry["key"] == f"meeting:{mid}:{created_at_ms}" and entry["user_id"] == profile["id"]
    assert entry["description"] == f"Meeting {mid} (10m, 3 participants)"


async def test_a_meeting_nobody_joined_is_billed_as_one_participant(api: TestClient) -> None:
    owner = await account(api)
    await run_meeting(api, owner["key"], minutes=10, people=0)
    [row] = await history(api, owner["key"])
    assert (row["peak_participants"], row["cost_usd"]) == (0, "0.0400")
    assert (await me(api))["balance"] == "4.9600"


async def test_custom_rate_and_rounding_to_four_places(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    # 10 min × 1 × $0.001234 = $0.01234 → 0.0123; × $0.001237 = $0.01237 → 0.0124;
    # 10 min × 2 × $0.001237 = $0.02474 → 0.0247.
    costs = []
    for rate, people in ((1234, 1), (1237, 1), (1237, 2)):
        await set_site(settings, "meeting_cost_micros_per_participant_minute", rate)
        meeting = await run_meeting(api, owner["key"], minutes=10, people=people)
        costs.append(next(r["cost_usd"] for r in await history(api, owner["key"]) if r["meeting_id"] == meeting["meetingId"]))
    assert costs == ["0.0123", "0.0124", "0.0247"]
    assert (await me(api))["balance"] == "4.9506"


async def test_a_meeting_too_short_to_cost_anything_still_completes_its_history(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    await end(api, meeting)  # a few milliseconds × 1 × $0.004 rounds to $0.0000
    [row] = await history(api, owner["key"])
    assert row["ended_at"] is not None and (row["duration_minutes"], row["cost_usd"]) == ("0.00", "0.0000")
    assert await charges(settings, meeting["meetingId"]) == []
    assert (await me(api))["balance"] == "5.0000"


# -- exactly once -----------------------------------------------------------------------------------


async def test_ending_twice_at_once_charges_once(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 2) as (ann, bob):
        await ann.join(meeting["meetingId"], "Ann")
        await bob.join(meeting["meetingId"], "Bob")
        age(api, meeting["meetingId"], 10)
        url = f"/api/meetings/{meeting['meetingId']}"
        first, second = await asyncio.gather(api.delete(url, headers=meeting["admin"]), api.delete(url, headers=meeting["admin"]))
        assert sorted([first.status, second.status]) == [200, 404]
        assert len(ann.got("meeting:ended")) == 1
    assert (await me(api))["balance"] == "4.9200"
    assert len(await charges(settings, meeting["meetingId"])) == 1


async def test_billing_the_same_end_again_changes_nothing(api: TestClient, settings: Settings) -> None:
    """What start-up does after a crash between the charge and the history: bill the end again."""
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    mid = meeting["meetingId"]
    service = api.server.app[MEETINGS]
    async with bots(api, 3) as group:
        for n, bot in enumerate(group):
            await bot.join(mid, f"P{n}")
        created_at_ms = age(api, mid, 10)
        ended = await service.end(mid, "Meeting ended by admin")
    assert (await me(api))["balance"] == "4.8800"
    assert await service.billing.charge(ended) == 120_000
    assert await service.billing.charge(ended) == 120_000
    assert (await me(api))["balance"] == "4.8800"
    [entry] = await charges(settings, mid)
    assert entry["key"] == f"meeting:{mid}:{created_at_ms}"
    [row] = await history(api, owner["key"])
    assert (row["duration_minutes"], row["peak_participants"], row["cost_usd"]) == ("10.00", 3, "0.1200")


# -- who pays -------------------------------------------------------------------------------------------


async def test_a_company_meeting_is_charged_to_the_company(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    assert owner["accountType"] == "company" and owner["inviteCode"]
    before = await me(api)
    assert (before["balance"], before["company_credits"], before["credits_usd"]) == ("5.0000", "5.0000", "0.0000")

    meeting = await run_meeting(api, owner["key"], minutes=10, people=2)
    after = await me(api)
    assert (after["balance"], after["company_credits"], after["credits_usd"]) == ("4.9200", "4.9200", "0.0000")
    [entry] = await charges(settings, meeting["meetingId"])
    assert entry["company_id"] == after["company_id"] is not None and entry["amount_micros"] == -80_000
    [row] = await history(api, owner["key"])
    assert row["meeting_id"] == meeting["meetingId"] and row["cost_usd"] == "0.0800"


async def test_no_credit_means_no_meeting(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    user_id = (await me(api))["id"]
    for balance in (0, -70_000):
        async with database(settings) as db:
            await db.users.update_one({"_id": user_id}, {"$set": {"credits_micros": balance}})
        for body in ({"title": "x"}, {"scheduledAt": "2099-01-01T10:00:00Z"}):
            resp = await api.post("/api/meetings", json=body, headers=owner["key"])
            assert resp.status == 402
            assert await resp.json() == {"error": "Insufficient credits", "code": "insufficient_credits"}
    async with database(settings) as db:
        await db.users.update_one({"_id": user_id}, {"$set": {"credits_micros": 1}})
    assert (await api.post("/api/meetings", json={}, headers=owner["key"])).status == 201
    # Guest meetings are free and need no credit.
    assert (await api.post("/api/meetings/guest", json={})).status == 201


async def test_a_charge_that_exhausts_the_balance_blocks_the_next_meeting(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    user_id = (await me(api))["id"]
    async with database(settings) as db:
        await db.users.update_one({"_id": user_id}, {"$set": {"credits_micros": 50_000}})
    await run_meeting(api, owner["key"], minutes=10, people=3)
    # The whole charge is recorded (the ledger is the truth); the balance is now a debt.
    assert (await me(api))["balance"] == "-0.0700"
    resp = await api.post("/api/meetings", json={}, headers=owner["key"])
    assert resp.status == 402 and (await resp.json())["error"] == "Insufficient credits"


async def test_an_empty_company_purse_blocks_its_members(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    profile = await me(api)
    async with database(settings) as db:
        await db.companies.update_one({"_id": profile["company_id"]}, {"$set": {"credits_micros": 0}})
        await db.users.update_one({"_id": profile["id"]}, {"$set": {"credits_micros": 9_000_000}})
    resp = await api.post("/api/meetings", json={}, headers=owner["key"])
    assert resp.status == 402 and (await resp.json())["error"] == "Insufficient credits"


async def test_guest_meetings_are_never_billed_nor_in_history(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    resp = await api.post("/api/meetings/guest", json={"title": "Quick"}, headers=owner["key"])
    assert resp.status == 201
    guest = await resp.json()
    mid = guest["meetingId"]
    async with bots(api, 2) as (host, ann):
        await host.join(mid, "Host", isAdmin=True, adminToken=guest["adminToken"])
        await ann.join(mid, "Ann")
        age(api, mid, 10)
        resp = await api.delete(f"/api/meetings/{mid}", headers={"x-admin-token": guest["adminToken"]})
        assert resp.status == 200
        assert await ann.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
    assert await history(api, owner["key"]) == []
    assert await charges(settings, mid) == []
    async with database(settings) as db:
        assert await db.meetings_log.find_one({"meeting_id": mid}) is None
        assert await db.meetings.find_one({"_id": mid}) is None
    assert (await me(api))["balance"] == "5.0000"


# -- history -----------------------------------------------------------------------------------------------


async def test_history_rows_newest_first_for_their_owner_only(api: TestClient) -> None:
    owner = await account(api)
    first = await run_meeting(api, owner["key"], minutes=3, people=1, title="First")
    await asyncio.sleep(0.01)
    second = await run_meeting(api, owner["key"], minutes=7, people=2, title="Second")
    await asyncio.sleep(0.01)
    running = await create_meeting(api, owner["key"], title="Running")

    rows = await history(api, owner["key"])
    assert [r["meeting_id"] for r in rows] == [running["meetingId"], second["meetingId"], first["meetingId"]]
    assert [r["title"] for r in rows] == ["Running", "Second", "First"]
    assert [r["cost_usd"] for r in rows] == ["0.0000", "0.0560", "0.0120"]
    assert [r["duration_minutes"] for r in rows] == [None, "7.00", "3.00"]
    assert [r["peak_participants"] for r in rows] == [0, 2, 1]
    assert rows[0]["ended_at"] is None
    for row in rows:
        assert set(row) == {"id", "meeting_id", "title", "started_at", "ended_at", "duration_minutes",
                            "peak_participants", "cost_usd"}
        assert isinstance(row["id"], int) and row["started_at"].endswith("Z")
    for row in rows[1:]:
        assert MINUTES.match(row["duration_minutes"])
        assert datetime.fromisoformat(row["started_at"]) <= datetime.fromisoformat(row["ended_at"])
    assert len({r["id"] for r in rows}) == 3
    assert (await me(api))["balance"] == "4.9320"

    # The session cookie works as well as the key; another account sees none of it; nobody else at all.
    by_cookie = await (await api.get("/api/meetings/history")).json()
    assert [r["meeting_id"] for r in by_cookie["meetings"]] == [r["meeting_id"] for r in rows]
    async with browser(api) as other_browser, browser(api) as stranger:
        other = await account(other_browser)  # type: ignore[arg-type]
        assert (await (await other_browser.get("/api/meetings/history")).json())["meetings"] == []
        by_key = await stranger.get("/api/meetings/history", headers=other["key"])
        assert by_key.status == 200 and (await by_key.json())["meetings"] == []
        by_owner_key = await stranger.get("/api/meetings/history", headers=owner["key"])
        assert len((await by_owner_key.json())["meetings"]) == 3
        assert (await stranger.get("/api/meetings/history")).status == 401
