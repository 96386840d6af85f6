"""Deliveries end to end: a real server, a receiver on 127.0.0.1, signatures checked with plain hmac,
retries on the (shrunk) backoff schedule, the outbox across a restart, the four events and their data."""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace

from server.settings import Settings
from store.mongo.embedded import free_port
from tests.conftest import StartServer, eventually
from tests.http.http_support import database
from tests.meetings.support import account, bots, create_meeting, quiet
from tests.meetings.test_billing import age, end
from tests.webhooks.support import (
    Received,
    add_hook,
    deliveries,
    fast_server,
    legacy_signature_ok,
    receiver,
    standard_signature_ok,
)

USD = re.compile(r"^\d+\.\d{4}$")


async def test_both_signatures_verify_with_the_secret_shown_at_creation(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        assert re.fullmatch(r"[0-9a-f]{48}", hook["secret"])
        meeting = await create_meeting(api, owner["key"], title="Signed")
        [got] = await hooks.wait_for("meeting.started")

    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-onepizza-event"] == "meeting.started"
    assert got.headers["webhook-id"].startswith("msg_")
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    assert got.body == {"event": "meeting.started", "meetingId": meeting["meetingId"],
                        "timestamp": got.body["timestamp"], "data": {"meetingId": meeting["meetingId"], "title": "Signed"}}
    assert isinstance(got.body["timestamp"], int) and abs(got.body["timestamp"] / 1000 - time.time()) < 60
    assert legacy_signature_ok(hook["secret"], got) and standard_signature_ok(hook["secret"], got)

    tampered = replace(got, raw=got.raw.replace(b"Signed", b"Signet"))
    assert not legacy_signature_ok(hook["secret"], tampered) and not standard_signature_ok(hook["secret"], tampered)
    replayed_later = replace(got, headers={**got.headers, "webhook-timestamp": str(int(time.time()) + 3600)})
    assert not standard_signature_ok(hook["secret"], replayed_later)  # the timestamp is signed
    assert not legacy_signature_ok("0" * 48, got)


async def test_the_secret_is_stored_encrypted(start_server: StartServer, settings: Settings) -> None:
    api = await fast_server(start_server)
    await account(api)
    hook = await add_hook(api, "http://127.0.0.1:9/hook")
    async with database(settings) as db:
        doc = await db.webhooks.find_one({"_id": hook["id"]})
    assert doc is not None and hook["secret"] not in str(doc) and "secret" not in doc
    listed = await (await api.get("/api/webhooks")).json()
    assert "secret" not in listed["webhooks"][0]


async def test_a_receiver_that_fails_twice_gets_the_event_once_after_retries(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hooks.plan = [500, "hang"]  # a 5xx, then no answer within the 0.5 s timeout, then 200
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])

        async def delivered() -> bool:
            found = await deliveries(api, hook["id"])
            return bool(found) and found[0]["status"] == "delivered"

        await eventually(delivered, timeout=10)
        await quiet(0.5)
        requests = hooks.of("meeting.started")

    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # one message, three attempts
    assert len({r.raw for r in requests}) == 1  # the same signed body every time
    assert all(standard_signature_ok(hook["secret"], r) for r in requests)
    [delivery] = await deliveries(api, hook["id"])
    assert delivery["attempts"] == 3 and delivery["lastStatusCode"] == 200 and delivery["nextAttemptAt"] is None
    assert delivery["id"] == requests[0].headers["webhook-id"] and delivery["deliveredAt"] is not None
    log = delivery["attemptLog"]
    assert [(a["statusCode"], a["error"]) for a in log] == [(500, None), (None, "timeout"), (200, None)]
    assert log[1]["durationMs"] >= 400 and all(a["durationMs"] >= 0 for a in log)


async def test_a_4xx_fails_at_once_and_a_manual_retry_sends_it_again(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hooks.plan = [400]
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])

        async def failed() -> bool:
            found = await deliveries(api, hook["id"])
            return bool(found) and found[0]["status"] == "failed"

        await eventually(failed, timeout=5)
        await quiet(0.3)
        assert len(hooks.requests) == 1  # not retried
        [delivery] = await deliveries(api, hook["id"])
        assert [(a["statusCode"], a["error"]) for a in delivery["attemptLog"]] == [(400, None)]

        resp = await api.post(f"/api/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry")
        assert resp.status == 202 and await resp.json() == {"id": delivery["id"], "status": "pending"}
        await hooks.wait_for("meeting.started", 2)
        again = hooks.requests[1]
        assert again.headers["webhook-id"] == delivery["id"] and again.raw == hooks.requests[0].raw
        await eventually(lambda: _status(api, hook["id"], "delivered"), timeout=5)
        [delivery] = await deliveries(api, hook["id"])
        assert delivery["attempts"] == 2


async def _status(api: object, hook_id: int, status: str) -> bool:
    found = await deliveries(api, hook_id)
    return bool(found) and found[0]["status"] == status


async def test_a_delivery_pending_across_a_restart_is_delivered_after_it(start_server: StartServer) -> None:
    port = free_port()  # nothing listens yet: the receiver is down
    first = await fast_server(start_server)
    owner = await account(first)
    hook = await add_hook(first, f"http://127.0.0.1:{port}/hook", ["meeting.started"])
    meeting = await create_meeting(first, owner["key"], title="Before the restart")

    async def tried() -> bool:
        found = await deliveries(first, hook["id"])
        return bool(found) and found[0]["attempts"] >= 1

    await eventually(tried, timeout=5)
    [pending] = await deliveries(first, hook["id"])
    assert pending["status"] == "pending" and pending["attemptLog"][0]["error"].startswith("connection error")
    await first.close()

    async with receiver(port) as hooks:
        second = await fast_server(start_server)
        [got] = await hooks.wait_for("meeting.started", timeout=10)
        assert got.headers["webhook-id"] == pending["id"]
        assert got.body["data"] == {"meetingId": meeting["meetingId"], "title": "Before the restart"}
        assert legacy_signature_ok(hook["secret"], got)  # the secret survived the restart, encrypted
        await quiet(0.3)
        assert len(hooks.requests) == 1
        await second.post("/api/auth/login", json={"email": owner["email"], "password": "secret123"})
        await eventually(lambda: _status(second, hook["id"], "delivered"), timeout=5)


async def test_the_four_events_carry_the_documented_data(start_server: StartServer, settings: Settings) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    async with receiver() as hooks:
        hook = await add_hook(api, hooks.url)
        meeting = await create_meeting(api, owner["key"], title="Standup")
        mid = meeting["meetingId"]
        async with bots(api, 2) as (host, guest):
            await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
            joined = await guest.join(mid, "Ann")
            async with database(settings) as db:  # in the outbox before the joiner was answered
                assert await db.webhook_deliveries.count_documents(
                    {"event": "participant.joined", "body": {"$regex": joined["participantId"]}}) == 1
            await guest.close()
            await hooks.wait_for("participant.left")
            age(api, mid, 10)
            await end(api, meeting)
            [ended] = await hooks.wait_for("meeting.ended")

        await quiet(0.3)
        by_event: dict[str, list[Received]] = {}
        for got in hooks.requests:
            by_event.setdefault(got.event, []).append(got)
    assert sorted(by_event) == sorted(["meeting.started", "participant.joined", "participant.left", "meeting.ended"])
    assert len(by_event["participant.joined"]) == 2 and len(by_event["participant.left"]) == 1
    assert len(by_event["meeting.started"]) == 1 and len(by_event["meeting.ended"]) == 1
    for got in hooks.requests:
        assert got.body["meetingId"] == mid and got.headers["x-onepizza-event"] == got.event
        assert legacy_signature_ok(hook["secret"], got) and standard_signature_ok(hook["secret"], got)
    assert by_event["meeting.started"][0].body["data"] == {"meetingId": mid, "title": "Standup"}
    names = {r.body["data"]["name"]: r.body["data"] for r in by_event["participant.joined"]}
    assert names["Ann"] == {"meetingId": mid, "participantId": joined["participantId"], "name": "Ann"}
    assert set(names) == {"Host", "Ann"}
    assert by_event["participant.left"][0].body["data"] == names["Ann"]
    data = ended.body["data"]
    assert data == {"meetingId": mid, "title": "Standup", "durationMinutes": data["durationMinutes"],
                    "peakParticipants": 2, "costUsd": "0.0800"}  # 10 min × 2 × $0.004
    assert isinstance(data["durationMinutes"], float) and 9.9 <= data["durationMinutes"] <= 10.0
    assert USD.match(data["costUsd"])


async def test_a_guest_meeting_sends_nothing(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    await account(api)
    async with receiver() as hooks:
        await add_hook(api, hooks.url)
        resp = await api.post("/api/meetings/guest", json={"title": "Anon"})
        assert resp.status == 201
        guest_meeting = await resp.json()
        async with bots(api, 1) as (bot,):
            await bot.join(guest_meeting["meetingId"], "Someone")
        await quiet(0.5)
        assert hooks.requests == []


async def test_a_deleted_hook_gets_nothing_more(start_server: StartServer, settings: Settings) -> None:
    api = await fast_server(start_server, webhook_poll_interval_seconds=0.05)
    owner = await account(api)
    async with receiver() as hooks:
        hooks.plan = [503]
        hook = await add_hook(api, hooks.url, ["meeting.started"])
        await create_meeting(api, owner["key"])
        await hooks.wait_for("meeting.started")
        resp = await api.delete(f"/api/webhooks/{hook['id']}")
        assert resp.status == 200 and await resp.json() == {"message": "Webhook deleted"}
        await create_meeting(api, owner["key"])
        await asyncio.sleep(0.5)  # past several retry slots
        assert len(hooks.requests) == 1
    async with database(settings) as db:
        assert await db.webhook_deliveries.count_documents({"webhook_id": hook["id"]}) == 0
