"""/admin/api/users and /admin/api/keys, and what disabling or deleting an account does everywhere at once."""
from __future__ import annotations

import pytest
import socketio
from aiohttp.test_utils import TestClient

from tests.admin.support import admin_server, close_all, cookie_of, ok, user
from tests.conftest import StartServer, eventually
from tests.http.http_support import RAW_KEY, error_of
from tests.meetings.support import Bot, create_meeting

DISABLED = {"message": "Account disabled", "code": "account_disabled"}


async def connect_as(api: TestClient, *, headers: dict[str, str] | None = None, auth: dict[str, str] | None = None) -> Bot:
    bot = Bot()
    await bot.sio.connect(str(api.make_url("/")), transports=["websocket"], headers=headers or {}, auth=auth)
    return bot


async def test_a_disabled_user_is_refused_everywhere_at_once(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    victim, bystander = await user(api), await user(api)
    meeting = await create_meeting(api, victim["key"])
    by_key = await connect_as(api, headers=victim["key"])
    by_auth = await connect_as(api, auth={"apiKey": victim["apiKey"]})
    by_cookie = await connect_as(api, headers={"Cookie": f"connect.sid={cookie_of(victim)}"})
    other = await connect_as(api, headers=bystander["key"])
    try:
        await by_key.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await ok(await api.get("/api/meetings", headers=victim["key"]))

        await ok(await api.patch(f"/admin/api/users/{victim['id']}", json={"isActive": False}))
        # The very next request with the key, and with the session, is refused.
        assert await error_of(await api.get("/api/meetings", headers=victim["key"])) == (401, "Invalid or missing API key")
        assert await error_of(await victim["browser"].get("/api/auth/me")) == (401, "Login required")
        # Every socket that came with the user's credentials is told why and closed; others stay.
        for bot in (by_key, by_auth, by_cookie):
            assert await bot.wait_for("error") == DISABLED
            await eventually(lambda bot=bot: not bot.sio.connected)
        assert other.sio.connected and other.got("error") == []
        # A new connection with the key is refused with the reason.
        refused = Bot()
        reasons: list[object] = []
        refused.sio.on("connect_error", reasons.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.sio.connect(str(api.make_url("/")), transports=["websocket"], headers=victim["key"])
        assert reasons == [{"message": "Account disabled", "data": {"code": "account_disabled"}}]
        users = {u["email"]: u for u in (await ok(await api.get("/admin/api/users")))["users"]}
        assert users[victim["email"]]["is_active"] is False and users[bystander["email"]]["is_active"] is True

        # Enabled again: the key works again (the sessions stay ended).
        await ok(await api.patch(f"/admin/api/users/{victim['id']}", json={"isActive": True}))
        await ok(await api.get("/api/meetings", headers=victim["key"]))
        assert (await victim["browser"].get("/api/auth/me")).status == 401
    finally:
        for bot in (by_key, by_auth, by_cookie, other):
            await bot.close()
        await close_all(victim, bystander)


async def test_user_changes_are_checked(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    try:
        users = (await ok(await api.get("/admin/api/users")))["users"]
        admin_id = next(u["id"] for u in users if u["is_admin"])
        entry = next(u for u in users if u["email"] == plain["email"])
        assert entry == {
            "id": plain["id"], "email": plain["email"], "is_admin": False, "is_active": True,
            "created_at": entry["created_at"], "credits_usd": "5.0000", "account_type": "personal",
            "company_name": None, "active_key_count": 1,
        }
        cases = [
            (f"/admin/api/users/{plain['id']}", {}, (400, "Nothing to update")),
            (f"/admin/api/users/{plain['id']}", {"isActive": "false"}, (400, "isActive must be a boolean")),
            (f"/admin/api/users/{plain['id']}", {"isAdmin": 1}, (400, "isAdmin must be a boolean")),
            ("/admin/api/users/999999", {"isActive": False}, (404, "User not found")),
            ("/admin/api/users/abc", {"isActive": False}, (400, "Invalid user id")),
            (f"/admin/api/users/{admin_id}", {"isActive": False},
             (400, "You cannot disable or demote your own account")),
            (f"/admin/api/users/{admin_id}", {"isAdmin": False}, (400, "You cannot disable or demote your own account")),
        ]
        for path, body, expected in cases:
            assert await error_of(await api.patch(path, json=body)) == expected, (path, body)
        await ok(await api.patch(f"/admin/api/users/{admin_id}", json={"isActive": True, "isAdmin": True}))
    finally:
        await close_all(plain)


async def test_deleting_users(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    owner = await user(api, accountType="company", companyName="Acme")
    bot = await connect_as(api, headers=plain["key"])
    try:
        users = (await ok(await api.get("/admin/api/users")))["users"]
        admin_id = next(u["id"] for u in users if u["is_admin"])
        assert await error_of(await api.delete(f"/admin/api/users/{admin_id}")) == (400, "Cannot delete your own account")
        assert await error_of(await api.delete("/admin/api/users/999999")) == (404, "User not found")
        assert await error_of(await api.delete(f"/admin/api/users/{owner['id']}")) == (
            409, 'User owns the company "Acme"; dissolve the company first')

        assert await ok(await api.delete(f"/admin/api/users/{plain['id']}")) == {"message": "User deleted"}
        assert (await api.get("/api/meetings", headers=plain["key"])).status == 401
        assert (await plain["browser"].get("/api/auth/me")).status == 401
        assert await bot.wait_for("error") == DISABLED
        assert plain["email"] not in {u["email"] for u in (await ok(await api.get("/admin/api/users")))["users"]}

        # Dissolving the company first lets its owner go; its balance goes back to the owner, in the ledger.
        [company] = (await ok(await api.get("/admin/api/companies")))["companies"]
        assert company["credits_usd"] == "5.0000"  # the owner's sign-up credit, merged into the company
        await ok(await api.delete(f"/admin/api/companies/{company['id']}"))
        me = await ok(await owner["browser"].get("/api/auth/me"))
        assert (me["company_id"], me["balance"]) == (None, "5.0000")
        history = (await ok(await owner["browser"].get("/api/billing/history")))["transactions"]
        assert history[0]["type"] == "company_transfer" and history[0]["amount_usd"] == "5.0000"
        await ok(await api.delete(f"/admin/api/users/{owner['id']}"))
    finally:
        await bot.close()
        await close_all(plain, owner)


async def test_admin_keys(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    try:
        created = await ok(await api.post("/admin/api/keys", json={"userId": plain["id"], "label": "Support"}), 201)
        assert set(created) == {"id", "key", "label", "created_at"} and RAW_KEY.match(created["key"])
        assert created["label"] == "Support"
        await ok(await api.get("/api/meetings", headers={"x-api-key": created["key"]}))
        default = await ok(await api.post("/admin/api/keys", json={"userId": plain["id"]}), 201)
        assert default["label"] == "Admin-created Key"

        keys = (await ok(await api.get("/admin/api/keys")))["keys"]
        mine = {k["id"]: k for k in keys if k["user_email"] == plain["email"]}
        assert len(mine) == 3
        for k in mine.values():
            assert set(k) == {"id", "key", "label", "is_active", "created_at", "last_used_at", "user_email"}
            assert "…" in k["key"] and not RAW_KEY.match(k["key"])
        assert mine[created["id"]]["key"] == f"mk_{created['key'][3:7]}…{created['key'][-4:]}"

        assert await ok(await api.delete(f"/admin/api/keys/{created['id']}")) == {"message": "API key revoked"}
        assert (await api.get("/api/meetings", headers={"x-api-key": created["key"]})).status == 401
        assert await error_of(await api.delete("/admin/api/keys/999999")) == (404, "API key not found")
        assert await error_of(await api.post("/admin/api/keys", json={"label": "x"})) == (400, "userId required")
        assert await error_of(await api.post("/admin/api/keys", json={"userId": 999999})) == (404, "User not found")
    finally:
        await close_all(plain)
