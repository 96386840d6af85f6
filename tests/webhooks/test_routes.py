"""/api/webhooks and its deliveries (contract §3.9 plus the delivery log): session auth, tenant scope
(another tenant's ids are 404), limits; tenant selection of events (§5.6); the OpenAPI answers."""
from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.settings import Settings
from server.webhooks import HOOKS_PER_TENANT
from tests.conftest import StartServer, eventually
from tests.http.http_support import ISO_MS, browser, database, error_of
from tests.http.openapi_support import assert_every_success_checked, contract_of
from tests.meetings.support import account, create_meeting, quiet
from tests.webhooks.support import ALL_EVENTS, add_hook, deliveries, fast_server, receiver

NOWHERE = "http://127.0.0.1:9/hook"  # the discard port: nothing answers, deliveries stay pending


async def test_every_documented_success_answer(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    contract = await contract_of(api)
    owner = await account(api)
    async with receiver() as hooks:
        created = await contract.check(await api.post("/api/webhooks", json={"url": hooks.url, "events": ALL_EVENTS}))
        assert created["is_active"] is True and ISO_MS.match(created["created_at"])
        listed = await contract.check(await api.get("/api/webhooks"))
        assert listed == {"webhooks": [{k: v for k, v in created.items() if k != "secret"}]}
        meeting = await create_meeting(api, owner["key"])
        await hooks.wait_for("meeting.started")

        async def delivered() -> bool:
            found = await deliveries(api, created["id"])
            return bool(found) and found[0]["status"] == "delivered"

        await eventually(delivered)
        found = await contract.check(await api.get(f"/api/webhooks/{created['id']}/deliveries?limit=10"))
        [delivery] = found["deliveries"]
        assert (delivery["event"], delivery["meetingId"], delivery["attempts"]) == ("meeting.started",
                                                                                  meeting["meetingId"], 1)
        assert ISO_MS.match(delivery["createdAt"]) and ISO_MS.match(delivery["deliveredAt"])
        retried = await contract.check(await api.post(
            f"/api/webhooks/{created['id']}/deliveries/{delivery['id']}/retry"))
        assert retried == {"id": delivery["id"], "status": "pending"}
        await hooks.wait_for("meeting.started", 2)
        deleted = await contract.check(await api.delete(f"/api/webhooks/{created['id']}"))
        assert deleted == {"message": "Webhook deleted"}
    assert_every_success_checked(contract, "webhooks")


async def test_routes_need_a_session(api: TestClient) -> None:
    for method, path in (("GET", "/api/webhooks"), ("POST", "/api/webhooks"), ("DELETE", "/api/webhooks/1"),
                         ("GET", "/api/webhooks/1/deliveries"), ("POST", "/api/webhooks/1/deliveries/msg_x/retry")):
        resp = await api.request(method, path)
        assert await error_of(resp) == (401, "Login required"), (method, path)
    owner = await account(api)
    api.session.cookie_jar.clear()
    resp = await api.get("/api/webhooks", headers=owner["key"])  # an API key is not enough: session only
    assert resp.status == 401


async def test_another_tenants_hooks_and_deliveries_are_not_found(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    hook = await add_hook(api, NOWHERE, ["meeting.started"])
    await create_meeting(api, owner["key"])
    await eventually(lambda: _has_delivery(api, hook["id"]))
    [delivery] = await deliveries(api, hook["id"])
    async with browser(api) as other:
        await account(other)  # type: ignore[arg-type]
        assert (await (await other.get("/api/webhooks")).json()) == {"webhooks": []}
        hid, did = hook["id"], delivery["id"]
        for method, path in (("DELETE", f"/api/webhooks/{hid}"), ("GET", f"/api/webhooks/{hid}/deliveries"),
                             ("POST", f"/api/webhooks/{hid}/deliveries/{did}/retry")):
            resp = await other.request(method, path)
            assert await error_of(resp) == (404, "Webhook not found"), (method, path)
    for method, path in (("DELETE", "/api/webhooks/999999"), ("DELETE", "/api/webhooks/abc"),
                         ("DELETE", "/api/webhooks/-1"), ("DELETE", "/api/webhooks/" + "9" * 30),
                         ("GET", "/api/webhooks/999999/deliveries"), ("GET", "/api/webhooks/x/deliveries"),
                         ("POST", f"/api/webhooks/999999/deliveries/{did}/retry")):
        resp = await api.request(method, path)
        assert await error_of(resp) == (404, "Webhook not found"), (method, path)
    for bad in ("msg_nope", "x" * 65):
        resp = await api.post(f"/api/webhooks/{hid}/deliveries/{bad}/retry")
        assert await error_of(resp) == (404, "Delivery not found")
    for limit in ("0", "101", "abc", "-1", "1.5"):
        resp = await api.get(f"/api/webhooks/{hid}/deliveries?limit={limit}")
        assert await error_of(resp) == (400, "limit must be an integer from 1 to 100"), limit
    assert len(await deliveries(api, hid)) == 1  # still there: nothing above touched it
    listed = await (await api.get("/api/webhooks")).json()
    assert [h["id"] for h in listed["webhooks"]] == [hid]


async def _has_delivery(api: Any, hook_id: int) -> bool:
    return bool(await deliveries(api, hook_id))


async def test_deliveries_are_listed_newest_first_and_bounded(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    owner = await account(api)
    hook = await add_hook(api, NOWHERE, ["meeting.started"])
    made = [(await create_meeting(api, owner["key"]))["meetingId"] for _ in range(3)]
    await eventually(lambda: _count(api, hook["id"], 3))
    assert [d["meetingId"] for d in await deliveries(api, hook["id"])] == made[::-1]
    resp = await api.get(f"/api/webhooks/{hook['id']}/deliveries?limit=2")
    assert [d["meetingId"] for d in (await resp.json())["deliveries"]] == made[:0:-1]


async def _count(api: Any, hook_id: int, n: int) -> bool:
    return len(await deliveries(api, hook_id)) >= n


async def test_hooks_per_account_are_capped(start_server: StartServer) -> None:
    api = await fast_server(start_server)
    await account(api)
    for _ in range(HOOKS_PER_TENANT):
        await add_hook(api, NOWHERE)
    resp = await api.post("/api/webhooks", json={"url": NOWHERE, "events": ALL_EVENTS})
    assert await error_of(resp) == (400, f"Maximum {HOOKS_PER_TENANT} webhooks per account")
    hooks = (await (await api.get("/api/webhooks")).json())["webhooks"]
    assert len(hooks) == HOOKS_PER_TENANT
    assert (await api.delete(f"/api/webhooks/{hooks[0]['id']}")).status == 200
    await add_hook(api, NOWHERE)  # room again


async def test_a_tenant_never_receives_another_tenants_events(start_server: StartServer, settings: Settings) -> None:
    """A and B are personal accounts; C is a company with an owner and a member. The company's hook gets
    the member's meetings; nobody gets anybody else's."""
    api = await fast_server(start_server)
    async with (receiver() as for_a, receiver() as for_b, receiver() as for_c,
                browser(api) as b_client, browser(api) as c_client, browser(api) as m_client):
        a = await account(api)
        b = await account(b_client)  # type: ignore[arg-type]
        c = await account(c_client, accountType="company", companyName="Acme")  # type: ignore[arg-type]
        m = await account(m_client)  # type: ignore[arg-type]
        async with database(settings) as db:
            company = (await db.users.find_one({"email": c["email"]}))["company_id"]
            await db.users.update_one({"email": m["email"]}, {"$set": {"company_id": company}})
        await add_hook(api, for_a.url)
        await add_hook(b_client, for_b.url)
        company_hook = await add_hook(c_client, for_c.url)
        # A member sees and may manage the company's hooks.
        assert [h["id"] for h in (await (await m_client.get("/api/webhooks")).json())["webhooks"]] == [company_hook["id"]]

        meetings = {name: (await create_meeting(api, who["key"], title=name))["meetingId"]
                    for name, who in (("A", a), ("B", b), ("C", c), ("M", m))}
        await for_a.wait_for("meeting.started")
        await for_b.wait_for("meeting.started")
        await for_c.wait_for("meeting.started", 2)
        await quiet(0.3)
        assert [r.body["meetingId"] for r in for_a.requests] == [meetings["A"]]
        assert [r.body["meetingId"] for r in for_b.requests] == [meetings["B"]]
        assert sorted(r.body["meetingId"] for r in for_c.requests) == sorted([meetings["C"], meetings["M"]])
