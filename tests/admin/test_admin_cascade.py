"""Deleting a user or dissolving a company takes their webhooks (and outbox) and keys with them, as
the original's ON DELETE CASCADE did: nothing is sent any more for an account that is gone."""
from __future__ import annotations

from server.settings import Settings
from tests.admin.support import admin_server, close_all, ok, user
from tests.conftest import StartServer
from tests.http.http_support import database

NOWHERE = "http://127.0.0.1:9/hook"


async def test_deleting_a_user_deletes_their_personal_webhooks(start_server: StartServer, settings: Settings) -> None:
    api = await admin_server(start_server, webhook_allow_private=True)
    victim, bystander = await user(api), await user(api)
    try:
        mine = await ok(await victim["browser"].post("/api/webhooks", json={"url": NOWHERE,
                                                                             "events": ["meeting.started"]}), 201)
        kept = await ok(await bystander["browser"].post("/api/webhooks", json={"url": NOWHERE,
                                                                                "events": ["meeting.started"]}), 201)
        async with database(settings) as db:
            await db.webhook_deliveries.insert_one({"_id": "msg_x", "webhook_id": mine["id"], "status": "failed",
                                                    "dedupe": "x", "created_at_ms": 0})
            await ok(await api.delete(f"/admin/api/users/{victim['id']}"))
            assert [h["_id"] async for h in db.webhooks.find({})] == [kept["id"]]
            assert await db.webhook_deliveries.count_documents({"webhook_id": mine["id"]}) == 0
            # Nothing else of the account is left behind either (the original's ON DELETE CASCADE).
            assert await db.api_keys.count_documents({"user_id": victim["id"]}) == 0
            assert await db.sessions.count_documents({"user_id": victim["id"]}) == 0
            assert await db.api_keys.count_documents({"user_id": bystander["id"]}) == 1
    finally:
        await close_all(victim, bystander)


async def test_dissolving_a_company_deletes_its_webhooks(start_server: StartServer, settings: Settings) -> None:
    api = await admin_server(start_server, webhook_allow_private=True)
    owner = await user(api, accountType="company", companyName="Acme")
    try:
        hook = await ok(await owner["browser"].post("/api/webhooks", json={"url": NOWHERE,
                                                                            "events": ["meeting.started"]}), 201)
        async with database(settings) as db:
            found = await db.companies.find_one({"owner_id": owner["id"]})
            assert found is not None
            await ok(await api.delete(f"/admin/api/companies/{found['_id']}"))
            assert await db.webhooks.count_documents({"_id": hook["id"]}) == 0
        assert (await ok(await owner["browser"].get("/api/webhooks")))["webhooks"] == []
    finally:
        await close_all(owner)
