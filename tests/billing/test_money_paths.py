"""Money under concurrency and failure: joins racing charges, retried and repaired ledger entries,
exact history paging, the money strings, Stripe's odd deliveries, deleted owners."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from server.meetings import MEETINGS
from server.services import SERVICES
from server.settings import Settings
from store.mongo.ledger import APPLIED_ENTRIES_KEPT
from tests.admin.support import admin_server, close_all, user
from tests.billing.support import WEBHOOK, checkout, fake_stripe, paid_event, signed, stripe_server
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser, database, mails_to
from tests.meetings.support import account, create_meeting, quiet
from tests.meetings.test_billing import age, set_site

JOIN, MEMBERS, HISTORY = "/api/company/join", "/api/company/members", "/api/billing/history"
LOW = "Low balance alert — Slice"


async def me(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/auth/me")
    assert resp.status == 200
    return await resp.json()


async def ledger_sum(settings: Settings, **account: Any) -> int:
    async with database(settings) as db:
        return sum([e["amount_micros"] async for e in db.credit_transactions.find(account)])


# -- (1) a join racing charges on the joiner's personal balance ------------------------------------


async def test_a_join_racing_charges_loses_and_doubles_nothing(api: TestClient, settings: Settings) -> None:
    """Charges land on the personal balance while the join moves it: every micro-dollar is either
    in the company (moved) or still personal (charged after the move). Whether a round makes the
    join retry (more join ids drawn than joins made) depends on timing, so it is not asserted:
    the invariants must hold either way."""
    ledger = api.server.app[SERVICES].ledger
    owner = await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    for round_ in range(8):
        async with browser(api) as dev:
            await account(dev)  # type: ignore[arg-type]
            dev_id = (await me(dev))["id"]
            before = (await me(api))["balance"]

            async def charge(n: int, dev_id: int = dev_id, round_: int = round_) -> None:
                await asyncio.sleep(0.002 * n * (round_ % 4 + 1))  # spread over the join's reads and writes
                await ledger.credit(user_id=dev_id, company_id=None, amount_micros=-1_000 * (n + 1),
                                    type="meeting_charge", description="race", key=f"race:{round_}:{n}")

            answers = await asyncio.gather(dev.post(JOIN, json={"inviteCode": owner["inviteCode"]}),
                                           *(charge(n) for n in range(4)))
            join_answer = answers[0]
            assert join_answer.status == 200, await join_answer.text()
        charged = sum(1_000 * (n + 1) for n in range(4))
        async with database(settings) as db:
            user = await db.users.find_one({"_id": dev_id})
            company = await db.companies.find_one({"_id": company_id})
            moves = [e async for e in db.credit_transactions.find({"type": "company_transfer", "user_id": dev_id})]
        assert user is not None and company is not None
        [out] = [e for e in moves if e["company_id"] is None]
        [into] = [e for e in moves if e["company_id"] == company_id]
        assert out["amount_micros"] == -into["amount_micros"]
        gained = company["credits_micros"] - int(float(before) * 1_000_000)
        assert gained == into["amount_micros"]
        # 5.00 sign-up credit = what moved + what stayed personal + what was charged.
        assert gained + user["credits_micros"] + charged == 5_000_000
        assert user["credits_micros"] == await ledger_sum(settings, user_id=dev_id, company_id={"$in": [None]})


# -- (2) a member removed while their meeting runs ----------------------------------------------


async def test_a_removed_members_running_meeting_is_charged_to_the_company(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    async with browser(api) as dev:
        member = await account(dev)  # type: ignore[arg-type]
        assert (await dev.post(JOIN, json={"inviteCode": owner["inviteCode"]})).status == 200
        dev_id = (await me(dev))["id"]
        meeting = await create_meeting(api, member["key"])
        assert (await api.delete(f"{MEMBERS}/{dev_id}")).status == 200
        age(api, meeting["meetingId"], 10)
        assert (await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])).status == 200
        assert (await me(dev))["balance"] == "0.0000"  # the personal balance was not charged
    assert (await me(api))["balance"] == "9.9600"
    async with database(settings) as db:
        [entry] = [e async for e in db.credit_transactions.find({"reference_id": meeting["meetingId"]})]
    assert (entry["company_id"], entry["user_id"], entry["amount_micros"]) == (company_id, dev_id, -40_000)


# -- (3) an entry written but not applied --------------------------------------------------------


async def test_an_unapplied_entry_is_repaired_once_at_start_and_rearms_the_alert(
    start_server: StartServer, settings: Settings
) -> None:
    api = await start_server()
    user = await account(api)
    user_id = (await me(api))["id"]
    async with database(settings) as db:
        await db.site_settings.update_one(
            {"_id": "low_balance_threshold_micros"}, {"$set": {"value": 6_000_000}}, upsert=True)
        # A crash after the insert: the entry exists, the balance (5.00, alerted) has not moved.
        await db.users.update_one({"_id": user_id}, {"$set": {"low_balance_alerted": True}})
        await db.credit_transactions.insert_one({
            "_id": 9_000, "user_id": user_id, "company_id": None, "amount_micros": 2_000_000, "type": "admin_grant",
            "description": "grant", "reference_id": None, "created_at": datetime.now(UTC), "applied": False,
            "key": "admin_grant:crash"})
    for _ in range(2):
        again = await start_server()
        async with browser(again) as view:
            assert (await view.post("/api/auth/login", json={"email": user["email"], "password": "secret123"})).status == 200
            assert (await me(view))["balance"] == "7.0000"
    async with database(settings) as db:
        doc = await db.users.find_one({"_id": user_id})
    assert doc is not None and not doc["low_balance_alerted"]


async def test_a_retried_credit_applies_the_entry_a_failure_left_unapplied(
    start_server: StartServer, settings: Settings
) -> None:
    """The database failed between writing the entry and moving the balance; Stripe retries the
    delivery: the retry moves the money (before, it saw the key and did nothing until a restart)."""
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        user_id = (await me(api))["id"]
        await checkout(api, 20)
        [session] = fake.sessions.values()
        async with database(settings) as db:
            await db.credit_transactions.insert_one({
                "_id": 9_001, "user_id": user_id, "company_id": None, "amount_micros": 20_000_000,
                "type": "stripe_topup", "description": "Stripe top-up $20.00", "reference_id": session["id"],
                "created_at": datetime.now(UTC), "applied": False, "key": f"stripe:{session['id']}"})
        for _ in range(2):
            raw, headers = signed(paid_event(session))
            assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        assert (await me(api))["balance"] == "25.0000"
        async with database(settings) as db:
            row = await db.stripe_topups.find_one({"session_id": session["id"]})
        assert row is not None and row["status"] == "completed"


# -- (4) history paging --------------------------------------------------------------------------


async def test_history_pages_exactly_through_entries_sharing_a_millisecond(api: TestClient, settings: Settings) -> None:
    """Eleven entries in one millisecond plus ids out of time order: limit-3 pages list every
    entry once, newest first by (created_at, id)."""
    await account(api)
    user_id = (await me(api))["id"]
    same = datetime(2030, 1, 1, 12, 0, 0, 123_000, tzinfo=UTC)
    later = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)
    earlier = datetime(2029, 1, 1, tzinfo=UTC)
    rows = [(100 + n, same) for n in range(11)] + [(2, later), (500, earlier), (9, earlier)]
    async with database(settings) as db:
        await db.credit_transactions.insert_many([{
            "_id": entry_id, "user_id": user_id, "company_id": None, "amount_micros": -entry_id, "type": "meeting_charge",
            "description": None, "reference_id": None, "created_at": at, "applied": True} for entry_id, at in rows])
        signup = await db.credit_transactions.find_one({"user_id": user_id, "type": "signup_credit"})
    assert signup is not None
    expected = [2] + [110 - n for n in range(11)] + [500, 9]
    expected = [e for e in expected if e != signup["_id"]]
    seen: list[int] = []
    before: int | None = None
    for _ in range(20):
        query = "?limit=3" + (f"&before={before}" if before is not None else "")
        resp = await api.get(HISTORY + query)
        page = (await resp.json())["transactions"]
        assert resp.status == 200 and len(page) <= 3
        if not page:
            break
        seen += [t["id"] for t in page]
        before = page[-1]["id"]
    # The sign-up credit (made now) sorts between the 2030 and 2029 entries.
    assert [i for i in seen if i != signup["_id"]] == expected
    assert seen.count(signup["_id"]) == 1 and len(seen) == len(set(seen)) == 15


# -- (5) the money strings -----------------------------------------------------------------------


async def test_negative_and_sub_micro_amounts_are_shown_to_four_places(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    owner_id = (await me(api))["id"]
    async with database(settings) as db:
        await db.companies.update_one({"_id": company_id}, {"$set": {"credits_micros": -1_234_550}})
        await db.credit_transactions.insert_many([{
            "_id": 8_000 + n, "user_id": owner_id, "company_id": company_id, "amount_micros": amount,
            "type": "meeting_charge", "description": None, "reference_id": None,
            "created_at": datetime(2031, 1, 1, 0, 0, n, tzinfo=UTC), "applied": True,
        } for n, amount in enumerate([-50, -49, -6_234_550])])
    profile = await me(api)
    assert (profile["balance"], profile["company_credits"]) == ("-1.2346", "-1.2346")
    resp = await api.get(HISTORY)
    body = await resp.json()
    assert body["balance"] == "-1.2346"
    assert [t["amount_usd"] for t in body["transactions"][:3]] == ["-6.2346", "0.0000", "-0.0001"]
    members = (await (await api.get(MEMBERS)).json())["members"]
    assert [m["credits_used"] for m in members] == ["6.2346"]
    assert owner


# -- (6) Stripe's odd deliveries -----------------------------------------------------------------


async def test_stripe_refuses_replays_and_other_currencies(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        old_raw, old_headers = signed(paid_event(session), timestamp=int(datetime.now(UTC).timestamp()) - 3600)
        assert (await api.post(WEBHOOK, data=old_raw, headers=old_headers)).status == 400
        raw, headers = signed(paid_event(session, currency="eur"))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        raw, headers = signed(paid_event(session, amount_total=1))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        assert (await me(api))["balance"] == "5.0000"
        async with database(settings) as db:
            row = await db.stripe_topups.find_one({"session_id": session["id"]})
        assert row is not None and row["status"] == "pending"


async def test_a_failure_delivered_before_the_payment_does_not_hide_the_credit(
    start_server: StartServer, settings: Settings
) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        for _ in range(2):
            await checkout(api, 20)
        first, second = fake.sessions.values()
        failed = {**paid_event(first, kind="checkout.session.async_payment_failed", payment_status="unpaid")}
        for event in (failed, paid_event(first, kind="checkout.session.async_payment_succeeded")):
            raw, headers = signed(event)
            assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        # The same pair at once, for the second session.
        pair = [signed(paid_event(second, kind="checkout.session.async_payment_failed", payment_status="unpaid")),
                signed(paid_event(second))]
        answers = await asyncio.gather(*(api.post(WEBHOOK, data=raw, headers=headers) for raw, headers in pair))
        assert [a.status for a in answers] == [200, 200]
        assert (await me(api))["balance"] == "45.0000"
        async with database(settings) as db:
            statuses = [r["status"] async for r in db.stripe_topups.find({})]
        assert statuses == ["completed", "completed"]


async def test_a_payment_for_an_account_that_joined_a_company_or_was_deleted(
    start_server: StartServer, settings: Settings
) -> None:
    """Joined since checkout: the company (where the balance merged) is credited. Deleted: nothing
    is credited, the row stays pending for a refund, and the webhook still answers 200."""
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        owner = await account(api, accountType="company", companyName="Acme")
        async with browser(api) as joiner, browser(api) as gone:
            await account(joiner)  # type: ignore[arg-type]
            await account(gone)  # type: ignore[arg-type]
            gone_id = (await me(gone))["id"]
            await checkout(joiner, 20)
            await checkout(gone, 30)
            assert (await joiner.post(JOIN, json={"inviteCode": owner["inviteCode"]})).status == 200
            async with database(settings) as db:
                await db.users.delete_one({"_id": gone_id})
            for session in fake.sessions.values():
                raw, headers = signed(paid_event(session))
                assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
            assert (await me(joiner))["balance"] == "30.0000"  # 5 (owner) + 5 (merged) + 20
        async with database(settings) as db:
            rows = {r["amount_micros"]: r async for r in db.stripe_topups.find({})}
            gone_entries = await db.credit_transactions.count_documents({"user_id": gone_id, "type": "stripe_topup"})
        assert rows[20_000_000]["status"] == "completed" and rows[30_000_000]["status"] == "pending"
        assert gone_entries == 0


# -- (7) the low-balance mail under concurrent charges ----------------------------------------------


async def test_concurrent_charges_send_one_low_balance_mail(api: TestClient, settings: Settings) -> None:
    user = await account(api)
    await set_site(settings, "low_balance_threshold_micros", 4_990_000)
    meetings = [await create_meeting(api, user["key"]) for _ in range(4)]
    for meeting in meetings:
        age(api, meeting["meetingId"], 10)
    answers = await asyncio.gather(*(
        api.delete(f"/api/meetings/{m['meetingId']}", headers=m["admin"]) for m in meetings))
    assert [a.status for a in answers] == [200] * 4
    assert (await me(api))["balance"] == "4.8400"

    async def alerts() -> list[dict[str, Any]]:
        async with database(settings) as db:
            return [m for m in await mails_to(db, user["email"]) if m["subject"] == LOW]

    await eventually(alerts)
    await quiet()
    assert len(await alerts()) == 1


# -- (8) a meeting whose owner was deleted ------------------------------------------------------------


async def test_a_meeting_of_a_deleted_owner_is_recorded_and_settled_once(api: TestClient, settings: Settings) -> None:
    user = await account(api)
    user_id = (await me(api))["id"]
    meeting = await create_meeting(api, user["key"])
    age(api, meeting["meetingId"], 10)
    async with database(settings) as db:
        await db.users.delete_one({"_id": user_id})
    service = api.server.app[MEETINGS]
    await service.end(meeting["meetingId"], "ended by test")
    assert not service.unsettled
    await service.flush()
    async with database(settings) as db:
        entries = [e async for e in db.credit_transactions.find({"reference_id": meeting["meetingId"]})]
        live = await db.meetings.count_documents({"_id": meeting["meetingId"]})
    assert [e["amount_micros"] for e in entries] == [-40_000] and live == 0


# -- (9) an account's memory of applied entries stays bounded -----------------------------------------


async def test_an_account_remembers_only_its_newest_applied_entries(start_server: StartServer, settings: Settings) -> None:
    """A long-lived account (here: a thousand earlier entries) does not grow its document with every
    credit, and a repeated grant still moves the balance once."""
    api = await admin_server(start_server)
    plain = await user(api)
    old = list(range(10**9, 10**9 + APPLIED_ENTRIES_KEPT))
    async with database(settings) as db:
        await db.users.update_one({"_id": plain["id"]}, {"$set": {"applied_entries": old}})
    try:
        for _ in range(2):
            resp = await api.post("/admin/api/billing/credit",
                                  json={"email": plain["email"], "amountUsd": 1, "idempotencyKey": "bounded"})
            assert resp.status == 200, await resp.text()
        assert (await (await plain["browser"].get("/api/auth/me")).json())["balance"] == "6.0000"
        async with database(settings) as db:
            doc = await db.users.find_one({"_id": plain["id"]})
            grant = await db.credit_transactions.find_one({"key": "admin_grant:bounded"})
        assert doc is not None and grant is not None
        assert doc["applied_entries"] == [*old[1:], grant["_id"]]
    finally:
        await close_all(plain)
