"""Stripe top-ups (issue 4 part 4): Checkout against a fake of Stripe's API, signed webhooks that
credit exactly once per session, however often and however concurrently they arrive."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.billing.support import (
    CHECKOUT,
    SECRET_KEY,
    WEBHOOK,
    checkout,
    fake_stripe,
    paid_event,
    signed,
    stripe_server,
)
from tests.conftest import StartServer
from tests.http.http_support import ISO_MS, database, error_of
from tests.http.openapi_support import Contract, assert_every_success_checked
from tests.meetings.support import account


async def me(api: Any) -> dict[str, Any]:
    resp = await api.get("/api/auth/me")
    assert resp.status == 200
    return await resp.json()


async def topups_credited(settings: Settings, session_id: str) -> list[dict[str, Any]]:
    async with database(settings) as db:
        return [e async for e in db.credit_transactions.find({"reference_id": session_id, "type": "stripe_topup"})]


async def topup_row(settings: Settings, session_id: str) -> dict[str, Any]:
    async with database(settings) as db:
        row = await db.stripe_topups.find_one({"session_id": session_id})
    assert row is not None
    return row


# -- checkout --------------------------------------------------------------------------------------


async def test_checkout_creates_a_stripe_session_and_a_pending_topup(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake, app_url="https://slice.example")
        await account(api)
        user_id = (await me(api))["id"]
        answer = await checkout(api, 20)

        [form] = fake.received
        assert fake.auth == [f"Bearer {SECRET_KEY}"]
        assert form["mode"] == "payment" and form["payment_method_types[0]"] == "card"
        assert form["line_items[0][price_data][currency]"] == "usd"
        assert form["line_items[0][price_data][unit_amount]"] == "2000"
        assert form["line_items[0][price_data][product_data][name]"] == "Slice credits"
        assert form["line_items[0][quantity]"] == "1"
        assert form["success_url"] == "https://slice.example/billing?success=1"
        assert form["cancel_url"] == "https://slice.example/billing?cancel=1"
        assert (form["metadata[userId]"], form["metadata[companyId]"], form["metadata[amountUsd]"]) == (
            str(user_id), "", "20.00")
        [session] = fake.sessions.values()
        assert answer == {"url": session["url"]}

        row = await topup_row(settings, session["id"])
        assert (row["user_id"], row["company_id"], row["amount_micros"], row["status"], row["completed_at"]) == (
            user_id, None, 20_000_000, "pending", None)
        assert (await me(api))["balance"] == "5.0000"  # nothing credited before Stripe says it is paid


async def test_checkout_amount_must_be_5_to_1000_dollars(start_server: StartServer) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        for bad in (4.99, 1000.01, "abc", True, False, "NaN", "Infinity", "-Infinity", "20abc", None, [20],
                    {"usd": 20}, 0, -10, "1" * 40, "1e400"):
            resp = await api.post(CHECKOUT, json={"amountUsd": bad})
            assert await error_of(resp) == (400, "Amount must be between $5 and $1000"), bad
        assert await error_of(await api.post(CHECKOUT, json={})) == (400, "Amount must be between $5 and $1000")
        assert fake.received == []
        for good, cents in ((5, "500"), ("1000", "100000"), (" 12.345 ", "1235"), (999.999, "100000"), (7.1, "710")):
            await checkout(api, good)
            assert fake.received[-1]["line_items[0][price_data][unit_amount]"] == cents, good


async def test_without_stripe_keys_payments_are_not_configured(api: TestClient) -> None:
    await account(api)
    assert await error_of(await api.post(CHECKOUT, json={"amountUsd": 20})) == (400, "Stripe payments not configured")
    raw, headers = signed({"type": "checkout.session.completed"})
    assert await error_of(await api.post(WEBHOOK, data=raw, headers=headers)) == (400, "Stripe payments not configured")


async def test_checkout_needs_a_session(start_server: StartServer) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        assert await error_of(await api.post(CHECKOUT, json={"amountUsd": 20})) == (401, "Login required")
        assert fake.received == []


async def test_stripe_refusing_the_session_is_a_502_and_no_topup(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        fake.fail = True
        api = await stripe_server(start_server, fake)
        await account(api)
        resp = await api.post(CHECKOUT, json={"amountUsd": 20})
        assert await error_of(resp) == (502, "Failed to create checkout session")
        assert len(fake.received) == 1
        async with database(settings) as db:
            assert await db.stripe_topups.count_documents({}) == 0


# -- webhook ---------------------------------------------------------------------------------------


async def test_a_bad_signature_is_refused_and_credits_nothing(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        event = paid_event(session)
        raw, good_headers = signed(event)
        deliveries = [
            signed(event, secret="whsec_wrong"),
            (raw, {"Content-Type": "application/json"}),  # no signature at all
            signed(event, timestamp=int(time.time()) - 3600),  # replayed an hour later
            (raw.replace(b"paid", b"PAID"), good_headers),  # body changed after signing
            (raw, {"Stripe-Signature": "garbage"}),
            signed(b"{not json"),  # signed, but not an event
            signed(b"[1, 2]"),
        ]
        for body, headers in deliveries:
            assert await error_of(await api.post(WEBHOOK, data=body, headers=headers)) == (400, "Invalid signature")
        assert await topups_credited(settings, session["id"]) == []
        assert (await topup_row(settings, session["id"]))["status"] == "pending"
        assert (await me(api))["balance"] == "5.0000"


async def test_a_duplicate_event_credits_once(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        raw, headers = signed(paid_event(session))
        for _ in range(2):
            resp = await api.post(WEBHOOK, data=raw, headers=headers)
            assert resp.status == 200 and await resp.json() == {"received": True}
        # The later "async payment succeeded" for the same session is one more duplicate.
        raw, headers = signed(paid_event(session, kind="checkout.session.async_payment_succeeded"))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200

        [entry] = await topups_credited(settings, session["id"])
        assert (entry["amount_micros"], entry["description"], entry["key"]) == (
            20_000_000, "Stripe top-up $20.00", f"stripe:{session['id']}")
        row = await topup_row(settings, session["id"])
        assert row["status"] == "completed" and row["completed_at"] is not None
        assert (await me(api))["balance"] == "25.0000"


async def test_concurrent_duplicate_deliveries_credit_once(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        raw, headers = signed(paid_event(session))
        answers = await asyncio.gather(*(api.post(WEBHOOK, data=raw, headers=headers) for _ in range(10)))
        assert [resp.status for resp in answers] == [200] * 10
        assert len(await topups_credited(settings, session["id"])) == 1
        assert (await topup_row(settings, session["id"]))["status"] == "completed"
        assert (await me(api))["balance"] == "25.0000"


async def test_unpaid_sessions_and_other_events_change_nothing(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        for event in (paid_event(session, payment_status="unpaid"),
                      {"id": "evt_other", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}):
            raw, headers = signed(event)
            resp = await api.post(WEBHOOK, data=raw, headers=headers)
            assert resp.status == 200 and await resp.json() == {"received": True}
        assert await topups_credited(settings, session["id"]) == []
        assert (await topup_row(settings, session["id"]))["status"] == "pending"
        raw, headers = signed(paid_event(session, kind="checkout.session.async_payment_failed", payment_status="unpaid"))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        assert (await topup_row(settings, session["id"]))["status"] == "failed"
        assert (await me(api))["balance"] == "5.0000"


async def test_a_paid_session_without_our_row_is_credited_from_its_metadata(
    start_server: StartServer, settings: Settings
) -> None:
    """The row insert can fail after Stripe created the session; the payment must not be lost."""
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        user_id = (await me(api))["id"]
        metadata = {"userId": str(user_id), "companyId": "", "amountUsd": "30.00"}
        honest = {"id": "cs_lost_1", "object": "checkout.session", "amount_total": 3000, "metadata": metadata}
        lying = {"id": "cs_lost_2", "object": "checkout.session", "amount_total": 500, "metadata": metadata}
        for session in (honest, lying):
            raw, headers = signed(paid_event(session))
            assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        assert len(await topups_credited(settings, "cs_lost_1")) == 1
        assert await topups_credited(settings, "cs_lost_2") == []  # metadata and amount disagree
        assert (await topup_row(settings, "cs_lost_1"))["status"] == "completed"
        assert (await me(api))["balance"] == "35.0000"


async def test_a_company_member_tops_up_the_company(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api, accountType="company", companyName="Acme")
        company_id = (await me(api))["company_id"]
        await checkout(api, 50)
        [session] = fake.sessions.values()
        assert fake.received[0]["metadata[companyId]"] == str(company_id)
        raw, headers = signed(paid_event(session))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        profile = await me(api)
        assert (profile["balance"], profile["company_credits"], profile["credits_usd"]) == ("55.0000", "55.0000", "0.0000")


# -- history ---------------------------------------------------------------------------------------


async def test_history_shows_the_topup_newest_first(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await checkout(api, 20)
        [session] = fake.sessions.values()
        raw, headers = signed(paid_event(session))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200

        resp = await api.get("/api/billing/history")
        assert resp.status == 200
        history = await resp.json()
        assert history["balance"] == "25.0000"
        topup, signup = history["transactions"]
        assert (topup["type"], topup["amount_usd"], topup["description"], topup["reference_id"]) == (
            "stripe_topup", "20.0000", "Stripe top-up $20.00", session["id"])
        assert (signup["type"], signup["amount_usd"], signup["reference_id"]) == ("signup_credit", "5.0000", None)
        assert topup["id"] > signup["id"] and ISO_MS.match(topup["created_at"])
        assert set(topup) == {"id", "amount_usd", "type", "description", "reference_id", "created_at"}

        # Paging: one at a time, then the next page after the last id seen.
        first = await (await api.get("/api/billing/history?limit=1")).json()
        assert [t["id"] for t in first["transactions"]] == [topup["id"]]
        rest = await (await api.get(f"/api/billing/history?before={topup['id']}")).json()
        assert [t["id"] for t in rest["transactions"]] == [signup["id"]]
        for query in ("limit=0", "limit=201", "limit=abc", "before=0", "before=-1", "limit=1e3"):
            status, _ = await error_of(await api.get(f"/api/billing/history?{query}"))
            assert status == 400, query


async def test_history_needs_a_session(api: TestClient) -> None:
    assert await error_of(await api.get("/api/billing/history")) == (401, "Login required")


async def test_history_is_the_callers_own(start_server: StartServer) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        mine = await (await api.get("/api/billing/history")).json()
        await account(api)  # the cookie jar now holds another user's session
        theirs = await (await api.get("/api/billing/history")).json()
        assert len(mine["transactions"]) == len(theirs["transactions"]) == 1
        assert mine["transactions"][0]["id"] != theirs["transactions"][0]["id"]


# -- the OpenAPI document ----------------------------------------------------------------------------


async def test_every_billing_success_matches_the_document(start_server: StartServer, contract: Contract) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        await account(api)
        await contract.check(await api.post(CHECKOUT, json={"amountUsd": 20}))
        [session] = fake.sessions.values()
        raw, headers = signed(paid_event(session))
        await contract.check(await api.post(WEBHOOK, data=raw, headers=headers))
        body = await contract.check(await api.get("/api/billing/history"))
        assert [t["type"] for t in body["transactions"]] == ["stripe_topup", "signup_credit"]
        for resp in (await api.post(CHECKOUT, json={"amountUsd": 1}),
                     await api.post(WEBHOOK, data=raw, headers={"Stripe-Signature": "t=1,v1=00"}),
                     await api.get("/api/billing/history?limit=0")):
            assert resp.status == 400
            await contract.check(resp)
    assert_every_success_checked(contract, "billing")
