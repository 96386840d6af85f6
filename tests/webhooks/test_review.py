"""Review findings: a member who leaves a company loses its hooks; retention of finished deliveries;
a receiver's 429 with Retry-After (honoured, bounded, and an odd value does not stall the delivery);
non-ASCII digits in ids and limits."""
from __future__ import annotations

import time
from datetime import datetime

from server.services import SERVICES
from server.settings import Settings
from server.webhook_delivery import RETRY_AFTER_CAP_S, _retry_after, retry_delay_s
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser, database, error_of
from tests.meetings.support import account, create_meeting
from tests.webhooks.support import add_hook, deliveries, fast_server, receiver


async def test_a_member_who_leaves_the_company_loses_its_hooks(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api, accountType="company", companyName="Acme")
    async with browser(api) as dev, receiver() as hooks:
        member = await account(dev)  # type: ignore[arg-type]
        personal = await add_hook(dev, hooks.url + "?personal", ["meeting.started"])  # made before joining
        assert (await dev.post("/api/company/join", json={"inviteCode": owner["inviteCode"]})).status == 200
        company_hook = await add_hook(dev, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])
        await hooks.wait_for("meeting.started")
        [delivery] = await deliveries(dev, company_hook["id"])
        members = (await (await api.get("/api/company/members")).json())["members"]
        [gone] = [m["id"] for m in members if m["email"] == member["email"]]
        assert (await api.delete(f"/api/company/members/{gone}")).status == 200

        listed = (await (await dev.get("/api/webhooks")).json())["webhooks"]
        assert [h["id"] for h in listed] == [personal["id"]]
        hid = company_hook["id"]
        for method, path in (("GET", f"/api/webhooks/{hid}/deliveries"),
                             ("POST", f"/api/webhooks/{hid}/deliveries/{delivery['id']}/retry"),
                             ("DELETE", f"/api/webhooks/{hid}")):
            resp = await dev.request(method, path)
            assert await error_of(resp) == (404, "Webhook not found"), (method, path)
        # The company still has it.
        assert [h["id"] for h in (await (await api.get("/api/webhooks")).json())["webhooks"]] == [hid]


DAY_MS = 86_400_000


async def test_finished_deliveries_older_than_the_retention_are_pruned(start_server: StartServer,
                                                                       settings: Settings) -> None:
    async with database(settings) as db:
        now = int(time.time() * 1000)
        old, recent = now - 31 * DAY_MS, now - 29 * DAY_MS
        rows = [("old-delivered", "delivered", old), ("old-failed", "failed", old),
                ("old-pending", "pending", old), ("recent-delivered", "delivered", recent)]
        await db.webhook_deliveries.insert_many([
            {"_id": i, "webhook_id": 999, "status": status, "created_at_ms": at, "dedupe": i,
             "next_attempt_ms": now + DAY_MS, "lease_until_ms": 0, "lease_id": None}
            for i, status, at in rows])
        api = await fast_server(start_server)
        assert api.server.app[SERVICES].settings.webhook_delivery_retention_days == 30

        async def pruned() -> bool:
            return await db.webhook_deliveries.count_documents({"_id": {"$in": ["old-delivered", "old-failed"]}}) == 0

        await eventually(pruned)
        left = sorted([doc["_id"] async for doc in db.webhook_deliveries.find({})])
        assert left == ["old-pending", "recent-delivered"]


async def test_a_429_is_retried_no_sooner_than_its_retry_after(start_server: StartServer) -> None:
    # Scale 0.01: the first backoff is 0.05 s; Retry-After (2 s) wins, within the cap (1 h scaled: 36 s).
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hooks.plan = [429]
        hooks.retry_after = "2"
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])
        await hooks.wait_for("meeting.started")

        async def waiting() -> bool:
            found = await deliveries(api, hook["id"])
            return bool(found) and found[0]["attempts"] == 1
        await eventually(waiting)
        [delivery] = await deliveries(api, hook["id"])
        assert delivery["status"] == "pending" and delivery["lastStatusCode"] == 429
        first = datetime.fromisoformat(delivery["attemptLog"][0]["at"])
        due = datetime.fromisoformat(delivery["nextAttemptAt"])
        assert 2 <= (due - first).total_seconds() < 3
        [refused, retried] = await hooks.wait_for("meeting.started", 2)
        assert refused.headers["webhook-id"] == retried.headers["webhook-id"]

        async def delivered() -> bool:
            return (await deliveries(api, hook["id"]))[0]["status"] == "delivered"
        await eventually(delivered)


def test_retry_after_is_bounded_and_only_seconds_count() -> None:
    assert retry_delay_s(1, 1.0, 10**12) == RETRY_AFTER_CAP_S  # an absurd Retry-After waits the cap
    assert retry_delay_s(1, 1.0, 600) == 600  # longer than the first backoff (5 s ± 20 %)
    assert retry_delay_s(9, 1.0, 600) >= 50400 * 0.8  # shorter than the backoff: the backoff wins
    assert _retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None and _retry_after(" 30 ") == 30


async def test_non_ascii_digits_in_ids_and_limits_are_refused_not_500(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    await account(api)
    hook = await add_hook(api, "http://127.0.0.1:9/hook", ["meeting.started"])
    for odd in ("²", "٣", "1²"):  # str.isdigit() is true for these; int() refuses "²"
        for method, path in (("DELETE", f"/api/webhooks/{odd}"), ("GET", f"/api/webhooks/{odd}/deliveries"),
                             ("POST", f"/api/webhooks/{odd}/deliveries/msg_x/retry")):
            assert await error_of(await api.request(method, path)) == (404, "Webhook not found"), (method, odd)
        resp = await api.get(f"/api/webhooks/{hook['id']}/deliveries", params={"limit": odd})
        assert await error_of(resp) == (400, "limit must be an integer from 1 to 100"), odd


async def test_an_odd_retry_after_still_records_the_attempt(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hooks.plan = [429]
        hooks.retry_after = "²"  # str.isdigit() is true, float() refuses it
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])
        await hooks.wait_for("meeting.started", 2)

        async def delivered() -> bool:
            found = await deliveries(api, hook["id"])
            return bool(found) and found[0]["status"] == "delivered"
        await eventually(delivered)
        [delivery] = await deliveries(api, hook["id"])
        assert [a["statusCode"] for a in delivery["attemptLog"]] == [429, 200]
