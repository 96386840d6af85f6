"""Mail after a charge (contract §5.5, §10): the low-balance alert once per fall below the admin's
threshold (again only after a credit lifted the balance back), and the meeting receipt."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient

from server.services import SERVICES
from server.settings import Settings
from tests.billing.support import WEBHOOK, checkout, fake_stripe, paid_event, signed, stripe_server
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser, database, mails_to
from tests.meetings.support import account, quiet
from tests.meetings.test_billing import run_meeting, set_site

LOW = "Low balance alert — Slice"


async def me(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/auth/me")
    assert resp.status == 200
    return await resp.json()


async def subjects(settings: Settings, email: str) -> list[str]:
    async with database(settings) as db:
        return [mail["subject"] for mail in await mails_to(db, email)]


async def low_alerts(settings: Settings, email: str) -> list[dict[str, Any]]:
    async with database(settings) as db:
        return [mail for mail in await mails_to(db, email) if mail["subject"] == LOW]


async def test_low_balance_mail_once_per_crossing(start_server: StartServer, settings: Settings) -> None:
    async with fake_stripe() as fake:
        api = await stripe_server(start_server, fake)
        owner = await account(api)
        await set_site(settings, "low_balance_threshold_micros", 4_950_000)
        # 10 min × 2 × $0.004 = $0.08: 5.00 → 4.92 crosses $4.95.
        await run_meeting(api, owner["key"], minutes=10, people=2)
        await eventually(lambda: low_alerts(settings, owner["email"]))
        [alert] = await low_alerts(settings, owner["email"])
        assert "$4.92" in alert["text"] and "$4.95" in alert["text"]
        # Still below: no second mail.
        await run_meeting(api, owner["key"], minutes=10, people=2)
        assert (await me(api))["balance"] == "4.8400"
        await quiet()
        assert len(await low_alerts(settings, owner["email"])) == 1

        # A top-up lifts the balance over the threshold; the next fall below it mails again.
        await checkout(api, 20)
        [session] = fake.sessions.values()
        raw, headers = signed(paid_event(session))
        assert (await api.post(WEBHOOK, data=raw, headers=headers)).status == 200
        assert (await me(api))["balance"] == "24.8400"
        await quiet()
        assert len(await low_alerts(settings, owner["email"])) == 1
        await set_site(settings, "meeting_cost_micros_per_participant_minute", 1_000_000)
        await run_meeting(api, owner["key"], minutes=10, people=2)  # about $20: 24.84 → about 4.84
        assert Decimal((await me(api))["balance"]) < Decimal("4.95")
        await eventually(lambda: low_alerts_count(settings, owner["email"], 2))
        await quiet()
        assert len(await low_alerts(settings, owner["email"])) == 2


async def low_alerts_count(settings: Settings, email: str, count: int) -> bool:
    return len(await low_alerts(settings, email)) >= count


async def test_a_credit_that_leaves_the_balance_low_does_not_rearm(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    user_id = (await me(api))["id"]
    await set_site(settings, "low_balance_threshold_micros", 4_950_000)
    await run_meeting(api, owner["key"], minutes=10, people=2)  # 4.92: alert
    await eventually(lambda: low_alerts(settings, owner["email"]))
    # A small grant (what the admin page's grant does: a ledger credit) leaves the balance low.
    await api.server.app[SERVICES].ledger.credit(user_id=user_id, company_id=None, amount_micros=10_000, type="admin_grant",
                        description="small", key="grant:small")
    await run_meeting(api, owner["key"], minutes=10, people=2)  # 4.93 → 4.85: still the same fall
    await quiet()
    assert len(await low_alerts(settings, owner["email"])) == 1


async def test_a_company_alert_goes_to_the_owner(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    await set_site(settings, "low_balance_threshold_micros", 9_950_000)
    async with browser(api) as dev:
        member = await account(dev)  # type: ignore[arg-type]
        assert (await dev.post("/api/company/join", json={"inviteCode": owner["inviteCode"]})).status == 200
        await run_meeting(api, member["key"], minutes=10, people=2)  # 10.00 → 9.92
    await eventually(lambda: low_alerts(settings, owner["email"]))
    assert await low_alerts(settings, member["email"]) == []
    # The receipt goes to the member who created the meeting.
    receipts = [s for s in await subjects(settings, member["email"]) if s.startswith("Meeting receipt")]
    assert len(receipts) == 1


async def test_meeting_receipt_after_a_charged_meeting(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    meeting = await run_meeting(api, owner["key"], minutes=10, people=2, title="Standup")
    async with database(settings) as db:
        await eventually(lambda: _receipts(db, owner["email"]))
        [receipt] = await _receipts(db, owner["email"])
    assert receipt["subject"] == "Meeting receipt — Standup"
    text = receipt["text"]
    assert meeting["meetingId"] in text and "Duration: 10.0 minutes" in text
    assert "Peak participants: 2" in text and "Cost: $0.0800" in text
    # No low-balance mail at the default $2.00 threshold.
    assert LOW not in await subjects(settings, owner["email"])


async def test_no_receipt_under_a_cent(api: TestClient, settings: Settings) -> None:
    owner = await account(api)
    await run_meeting(api, owner["key"], minutes=1, people=1)  # $0.004
    assert (await me(api))["balance"] == "4.9960"
    await quiet()
    async with database(settings) as db:
        assert await _receipts(db, owner["email"]) == []


async def _receipts(db: Any, email: str) -> list[dict[str, Any]]:
    return [mail for mail in await mails_to(db, email) if mail["subject"].startswith("Meeting receipt")]
