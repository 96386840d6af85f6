"""/admin/api/billing/* and /admin/api/companies, and the live meetings and history the admin sees."""
from __future__ import annotations

from server.settings import Settings
from tests.admin.support import admin_server, close_all, ok, user
from tests.conftest import StartServer
from tests.http.http_support import database, error_of
from tests.meetings.support import Bot, create_meeting
from tests.meetings.test_billing import age


async def test_credit_grants_transactions_and_topups(start_server: StartServer, settings: Settings) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    owner = await user(api, accountType="company", companyName="Acme")
    try:
        resp = await api.post("/admin/api/billing/credit", json={"email": plain["email"].upper(), "amountUsd": "12.5"})
        assert await ok(resp) == {"message": f"Credited $12.50 to {plain['email']}"}
        assert (await ok(await plain["browser"].get("/api/auth/me")))["balance"] == "17.5000"
        resp = await api.post("/admin/api/billing/credit", json={"email": owner["email"], "amountUsd": 1, "note": "Promo"})
        assert resp.status == 200
        me = await ok(await owner["browser"].get("/api/auth/me"))
        assert me["company_credits"] == "6.0000"  # the company holds the balance
        # A repeated idempotency key is one grant.
        for _ in range(2):
            await ok(await api.post("/admin/api/billing/credit",
                                    json={"email": plain["email"], "amountUsd": 0.25, "idempotencyKey": "abc"}))
        assert (await ok(await plain["browser"].get("/api/auth/me")))["balance"] == "17.7500"
        # The same key for another user or amount is not that grant: refused, nothing credited.
        for other in ({"email": owner["email"], "amountUsd": 0.25}, {"email": plain["email"], "amountUsd": 0.5}):
            resp = await api.post("/admin/api/billing/credit", json={**other, "idempotencyKey": "abc"})
            assert await error_of(resp) == (409, "idempotencyKey was already used for a different grant")
        assert (await ok(await plain["browser"].get("/api/auth/me")))["balance"] == "17.7500"
        assert (await ok(await owner["browser"].get("/api/auth/me")))["company_credits"] == "6.0000"

        cases = [({"email": plain["email"]}, (400, "email and amountUsd required")),
                 ({"amountUsd": 5}, (400, "email and amountUsd required")),
                 ({"email": plain["email"], "amountUsd": "-3"}, (400, "amountUsd must be a positive number")),
                 ({"email": plain["email"], "amountUsd": "NaN"}, (400, "amountUsd must be a positive number")),
                 ({"email": plain["email"], "amountUsd": True}, (400, "amountUsd must be a positive number")),
                 ({"email": plain["email"], "amountUsd": 100001}, (400, "amountUsd must be at most 100000")),
                 ({"email": "nobody@example.com", "amountUsd": 5}, (404, "User not found"))]
        for body, expected in cases:
            assert await error_of(await api.post("/admin/api/billing/credit", json=body)) == expected, body

        rows = (await ok(await api.get("/admin/api/billing/transactions")))["transactions"]
        grants = [r for r in rows if r["type"] == "admin_grant"]
        assert len(grants) == 3
        promo = next(r for r in grants if r["description"] == "Promo")
        assert promo["amount_usd"] == "1.0000" and promo["user_email"] == owner["email"]
        assert promo["company_name"] == "Acme"
        assert any(r["description"] == f"Admin credit grant to {plain['email']}" for r in grants)

        assert await ok(await api.get("/admin/api/billing/stripe")) == {"topups": []}
        async with database(settings) as db:
            await db.stripe_topups.insert_one({"_id": 1, "user_id": plain["id"], "company_id": None,
                                               "amount_micros": 20_000_000, "session_id": "cs_test_1",
                                               "status": "completed", "created_at": None, "completed_at": None})
        [topup] = (await ok(await api.get("/admin/api/billing/stripe")))["topups"]
        assert topup == {"id": 1, "amount_usd": "20.0000", "session_id": "cs_test_1", "status": "completed",
                         "created_at": None, "user_email": plain["email"], "company_name": None}
    finally:
        await close_all(plain, owner)


async def test_companies(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    owner = await user(api, accountType="company", companyName="Acme")
    try:
        [company] = (await ok(await api.get("/admin/api/companies")))["companies"]
        assert company["name"] == "Acme" and company["owner_email"] == owner["email"]
        assert company["member_count"] == 1 and company["plan"] == "free" and company["credits_usd"] == "5.0000"
        assert company["invite_code"] == owner["inviteCode"]
        path = f"/admin/api/companies/{company['id']}"
        assert await ok(await api.patch(path, json={"plan": "pro"})) == {"message": "Company plan updated"}
        assert (await ok(await api.get("/admin/api/companies")))["companies"][0]["plan"] == "pro"
        assert await error_of(await api.patch(path, json={"plan": "gold"})) == (
            400, "plan must be one of: free, starter, pro, business")
        assert await error_of(await api.patch("/admin/api/companies/999", json={"plan": "pro"})) == (
            404, "Company not found")
        assert await error_of(await api.delete("/admin/api/companies/x1")) == (400, "Invalid company id")
        assert await ok(await api.delete(path)) == {"message": "Company dissolved"}
        assert (await ok(await owner["browser"].get("/api/auth/me")))["company_id"] is None
        assert await ok(await api.get("/admin/api/companies")) == {"companies": []}
        assert await error_of(await api.delete(path)) == (404, "Company not found")
    finally:
        await close_all(owner)


async def test_live_meetings_ending_and_history(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    owner = await user(api)
    host, guest = Bot(), Bot()
    try:
        await host.connect(api)
        await guest.connect(api)
        meeting = await create_meeting(api, owner["key"], title="Standup")
        await create_meeting(api, owner["key"], title="Later")
        await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join(meeting["meetingId"], "Guest")
        listed = await ok(await api.get("/admin/api/meetings?limit=1&offset=0"))
        assert listed["total"] == 2 and len(listed["meetings"]) == 1
        [entry] = listed["meetings"]
        assert entry["meetingId"] == meeting["meetingId"] and entry["title"] == "Standup"
        assert entry["participantCount"] == 2 and entry["settings"]["maxParticipants"] == 50
        assert {p["name"] for p in entry["participants"]} == {"Host", "Guest"}
        assert set(entry["participants"][0]) == {"participantId", "name", "isMuted", "isVideoOff"}
        assert len((await ok(await api.get("/admin/api/meetings?offset=1&limit=junk")))["meetings"]) == 1

        age(api, meeting["meetingId"], 10)  # 10 minutes × 2 participants × $0.004 = $0.08
        resp = await api.delete(f"/admin/api/meetings/{meeting['meetingId']}")
        assert await ok(resp) == {"message": "Meeting ended"}
        assert await guest.wait_for("meeting:ended") == {"reason": "Meeting ended by administrator"}
        assert await error_of(await api.delete(f"/admin/api/meetings/{meeting['meetingId']}")) == (
            404, "Meeting not found")
        assert (await ok(await owner["browser"].get("/api/auth/me")))["balance"] == "4.9200"

        rows = (await ok(await api.get("/admin/api/meetings/history")))["meetings"]
        ended = next(r for r in rows if r["meeting_id"] == meeting["meetingId"])
        assert ended["cost_usd"] == "0.0800" and ended["user_email"] == owner["email"]
        assert ended["peak_participants"] == 2 and ended["ended_at"] is not None and ended["company_name"] is None
        assert len(rows) == 2
    finally:
        await host.close()
        await guest.close()
        await close_all(owner)
