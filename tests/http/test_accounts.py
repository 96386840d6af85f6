"""/api/auth/*: register, login, logout, me, forgot/reset/change password (contract §3.2)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.http.http_support import (
    ISO_MS,
    PASSWORD,
    RAW_KEY,
    browser,
    database,
    error_of,
    login,
    mails_to,
    register,
    reset_token,
    unique_email,
)

if TYPE_CHECKING:
    from tests.conftest import StartServer

FORGOT_ANSWER = {"message": "If that email is registered, a reset link has been sent."}


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """A server without the seeded site admin: seeding hashes a password, which doubles start-up time."""
    return await start_server(admin_email=None)

# ---------------------------------------------------------------- register


async def test_register_personal_returns_key_and_logs_in(api: TestClient, settings: Settings) -> None:
    resp = await api.post("/api/auth/register", json={"email": "Ann@Example.COM", "password": PASSWORD})
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"message", "email", "apiKey", "inviteCode", "accountType"}
    assert body["message"] == "Account created"
    assert body["email"] == "ann@example.com"
    assert body["accountType"] == "personal"
    assert body["inviteCode"] is None
    assert RAW_KEY.match(body["apiKey"])
    # Registering also logs in.
    me = await api.get("/api/auth/me")
    assert me.status == 200 and (await me.json())["email"] == "ann@example.com"
    async with database(settings) as db:
        user = await db.users.find_one({"email": "ann@example.com"})
        assert user is not None and user["password_hash"].startswith("$argon2id$")
        assert PASSWORD not in str(user)
        keys = [k async for k in db.api_keys.find({"user_id": user["_id"]})]
        assert [k["label"] for k in keys] == ["Default Key"]


async def test_register_company_returns_invite_code(api: TestClient) -> None:
    body = await register(api, "owner@acme.example", accountType="company", companyName="  Acme Corp ")
    assert body["accountType"] == "company"
    assert isinstance(body["inviteCode"], str) and len(body["inviteCode"]) == 12
    me = await (await api.get("/api/auth/me")).json()
    assert me["accountType"] == me["account_type"] == "company"
    assert me["company_name"] == "Acme Corp"
    assert me["invite_code"] == body["inviteCode"]
    assert isinstance(me["company_id"], int)
    # The sign-up credit goes to the company's shared balance.
    assert me["balance"] == me["company_credits"] == "5.0000"
    assert me["credits_usd"] == "0.0000"


async def test_register_other_account_type_is_personal(api: TestClient) -> None:
    body = await register(api, accountType="enterprise")
    assert body["accountType"] == "personal" and body["inviteCode"] is None


LONG_EMAIL = "a" * 246 + "@example.com"  # 258 characters

REGISTER_ERRORS: list[tuple[dict[str, Any], int, str]] = [
    ({}, 400, "Email and password required"),
    ({"email": "x@example.com"}, 400, "Email and password required"),
    ({"password": PASSWORD}, 400, "Email and password required"),
    ({"email": "", "password": PASSWORD}, 400, "Email and password required"),
    ({"email": "x@example.com", "password": ""}, 400, "Email and password required"),
    ({"email": "not-an-email", "password": PASSWORD}, 400, "Invalid email format"),
    ({"email": "a b@example.com", "password": PASSWORD}, 400, "Invalid email format"),
    ({"email": "a@example", "password": PASSWORD}, 400, "Invalid email format"),
    ({"email": " x@example.com", "password": PASSWORD}, 400, "Invalid email format"),
    ({"email": LONG_EMAIL, "password": PASSWORD}, 400, "Invalid email format"),
    ({"email": "x@example.com", "password": "short"}, 400, "Password must be at least 8 characters"),
    ({"email": "x@example.com", "password": "p" * 129}, 400, "Password too long"),
    ({"email": "x@example.com", "password": "p" * 5000}, 400, "Password too long"),
    # Validation order: the email is checked before the password.
    ({"email": "bad", "password": "short"}, 400, "Invalid email format"),
    ({"email": "x@example.com", "password": PASSWORD, "accountType": "company"}, 400, "Company name required"),
    ({"email": "x@example.com", "password": PASSWORD, "accountType": "company", "companyName": "   "},
     400, "Company name required"),
    ({"email": "x@example.com", "password": PASSWORD, "accountType": "company", "companyName": "c" * 101},
     400, "Company name too long (max 100 chars)"),
    # The length check applies whenever a company name is given.
    ({"email": "x@example.com", "password": PASSWORD, "companyName": "c" * 101},
     400, "Company name too long (max 100 chars)"),
]


async def test_register_validation_errors(api: TestClient, settings: Settings) -> None:
    # One server for the whole table: starting one costs more than all these requests.
    async with database(settings) as db:
        before = await db.users.count_documents({})
        for payload, status, message in REGISTER_ERRORS:
            resp = await api.post("/api/auth/register", json=payload)
            assert await error_of(resp) == (status, message), payload
            assert "connect.sid" not in resp.cookies
        assert await db.users.count_documents({}) == before
        assert await db.api_keys.count_documents({}) == 0
        assert await db.sessions.count_documents({}) == 0


async def test_register_company_name_of_100_chars_is_accepted(api: TestClient) -> None:
    body = await register(api, accountType="company", companyName="c" * 100)
    assert body["accountType"] == "company"


async def test_register_duplicate_email_is_409_case_insensitively(api: TestClient, settings: Settings) -> None:
    await register(api, "dup@example.com")
    async with database(settings) as db:
        before = await db.users.count_documents({})
        for email in ("dup@example.com", "DUP@Example.Com"):
            resp = await api.post("/api/auth/register", json={"email": email, "password": "other-pass-1"})
            assert await error_of(resp) == (409, "Email already registered")
        assert await db.users.count_documents({}) == before
    # The original password still logs in: the failed attempts changed nothing.
    assert (await login(api, "dup@example.com")).status == 200


async def test_register_disabled_by_site_setting(api: TestClient, settings: Settings) -> None:
    async with database(settings) as db:
        await db.site_settings.update_one({"_id": "registration_enabled"}, {"$set": {"value": False}}, upsert=True)
        before = await db.users.count_documents({})
        resp = await api.post("/api/auth/register", json={"email": unique_email(), "password": PASSWORD})
        assert await error_of(resp) == (403, "Registration is currently disabled")
        assert await db.users.count_documents({}) == before


async def test_register_sends_welcome_mail_without_the_full_key(api: TestClient, settings: Settings) -> None:
    body = await register(api)
    async with database(settings) as db:
        mails = await mails_to(db, body["email"])
    assert len(mails) == 1
    assert "Welcome" in mails[0]["subject"]
    assert body["apiKey"] not in mails[0]["text"] + mails[0]["html"]
    assert f"{body['apiKey'][:7]}…{body['apiKey'][-4:]}" in mails[0]["text"]


# ---------------------------------------------------------------- login / logout / me


async def test_login_success_sets_session(api: TestClient) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/logout")
    async with browser(api) as other:
        resp = await login(other, f"  {email.upper()} ")
        assert resp.status == 200
        assert await resp.json() == {"message": "Logged in", "isAdmin": False}
        me = await other.get("/api/auth/me")
        assert me.status == 200 and (await me.json())["email"] == email


async def test_login_as_seeded_site_admin(start_server: StartServer) -> None:
    api = await start_server(admin_email="admin@slice.test", admin_password="admin-password-123")
    resp = await login(api, "admin@slice.test", "admin-password-123")
    assert resp.status == 200
    assert await resp.json() == {"message": "Logged in", "isAdmin": True}
    me = await (await api.get("/api/auth/me")).json()
    assert me["is_admin"] is True and me["email"] == "admin@slice.test"


LOGIN_ERRORS: list[tuple[dict[str, Any], int, str]] = [
    ({}, 400, "Email and password required"),
    ({"email": "x@example.com"}, 400, "Email and password required"),
    ({"password": PASSWORD}, 400, "Email and password required"),
    ({"email": "", "password": ""}, 400, "Email and password required"),
    ({"email": "nobody@example.com", "password": PASSWORD}, 401, "Invalid email or password"),
]


async def test_login_errors(api: TestClient) -> None:
    for payload, status, message in LOGIN_ERRORS:
        resp = await api.post("/api/auth/login", json=payload)
        assert await error_of(resp) == (status, message), payload
        assert "connect.sid" not in resp.cookies


async def test_login_wrong_password_is_401(api: TestClient) -> None:
    email = unique_email()
    await register(api, email)
    async with browser(api) as other:
        resp = await login(other, email, "wrong-password")
        assert await error_of(resp) == (401, "Invalid email or password")
        assert (await other.get("/api/auth/me")).status == 401


async def test_login_disabled_account_is_403(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    async with database(settings) as db:
        await db.users.update_one({"email": email}, {"$set": {"is_active": False}})
    async with browser(api) as other:
        resp = await login(other, email)
        assert await error_of(resp) == (403, "Account is disabled")
        assert "connect.sid" not in resp.cookies
        # A wrong password does not reveal that the account exists and is disabled.
        assert await error_of(await login(other, email, "wrong-password")) == (401, "Invalid email or password")
    # The session opened at registration ends with the account.
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")


async def test_logout(api: TestClient) -> None:
    await register(api)
    resp = await api.post("/api/auth/logout")
    assert resp.status == 200 and await resp.json() == {"message": "Logged out"}
    cleared = resp.cookies.get("connect.sid")
    assert cleared is not None and cleared.value == ""
    # Without any session logout still answers the same.
    async with browser(api) as other:
        resp = await other.post("/api/auth/logout")
        assert resp.status == 200 and await resp.json() == {"message": "Logged out"}


async def test_me_requires_a_session(api: TestClient) -> None:
    assert await error_of(await api.get("/api/auth/me")) == (401, "Login required")
    resp = await api.get("/api/auth/me", headers={"Cookie": "connect.sid=forged-session-id"})
    assert await error_of(resp) == (401, "Login required")


async def test_me_has_the_document_and_the_original_fields(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    resp = await api.get("/api/auth/me")
    assert resp.status == 200
    me = await resp.json()
    assert set(me) == {
        "id", "email", "accountType", "balance", "company_id", "is_admin", "created_at",
        "account_type", "credits_usd", "company_name", "company_credits", "invite_code", "plan",
    }
    async with database(settings) as db:
        user = await db.users.find_one({"email": email})
    assert user is not None
    assert me["id"] == user["_id"] and isinstance(me["id"], int)
    assert me["email"] == email
    assert me["accountType"] == me["account_type"] == "personal"
    assert me["balance"] == me["credits_usd"] == "5.0000"
    assert me["company_id"] is None and me["company_name"] is None and me["company_credits"] is None
    assert me["invite_code"] is None
    assert me["is_admin"] is False
    assert me["plan"] == "free"
    assert ISO_MS.match(me["created_at"])
    created = datetime.strptime(me["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)


# ---------------------------------------------------------------- forgot / reset password


async def test_forgot_password_same_answer_for_known_and_unknown(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    known = await api.post("/api/auth/forgot-password", json={"email": email.upper()})
    unknown = await api.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
    assert known.status == unknown.status == 200
    assert await known.json() == await unknown.json() == FORGOT_ANSWER
    async with database(settings) as db:
        token = await reset_token(db, email)
        assert len(token) == 64
        mail = (await mails_to(db, email))[-1]
        assert f"{settings.app_url}/reset?token={token}" in mail["text"]
        assert await mails_to(db, "nobody@example.com") == []
        # The token is stored hashed, never as sent.
        assert token not in str([doc async for doc in db.password_resets.find({})])


async def test_forgot_password_requires_email(api: TestClient) -> None:
    for payload in ({}, {"email": ""}):
        resp = await api.post("/api/auth/forgot-password", json=payload)
        assert await error_of(resp) == (400, "Email required")


async def test_reset_password_get_validates_token(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/forgot-password", json={"email": email})
    async with database(settings) as db:
        token = await reset_token(db, email)
    resp = await api.get("/api/auth/reset-password", params={"token": token})
    assert resp.status == 200 and await resp.json() == {"valid": True}
    # Validating does not use the token up.
    assert (await api.get("/api/auth/reset-password", params={"token": token})).status == 200
    assert await error_of(await api.get("/api/auth/reset-password")) == (400, "Token required")
    assert await error_of(await api.get("/api/auth/reset-password?token=")) == (400, "Token required")
    for bad in ("0" * 64, "not-a-token", "x" * 500):
        resp = await api.get("/api/auth/reset-password", params={"token": bad})
        assert await error_of(resp) == (400, "Invalid or expired reset link")


async def test_reset_password_sets_password_once(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/forgot-password", json={"email": email})
    async with database(settings) as db:
        token = await reset_token(db, email)

    # A too-short password is refused before the token is spent.
    resp = await api.post("/api/auth/reset-password", json={"token": token, "newPassword": "short"})
    assert await error_of(resp) == (400, "Password must be at least 8 characters")
    resp = await api.post("/api/auth/reset-password", json={"token": token, "newPassword": "n" * 129})
    assert await error_of(resp) == (400, "Password too long")

    resp = await api.post("/api/auth/reset-password", json={"token": token, "newPassword": "brand-new-pass"})
    assert resp.status == 200 and await resp.json() == {"message": "Password updated successfully"}

    async with browser(api) as other:
        assert await error_of(await login(other, email)) == (401, "Invalid email or password")
        assert (await login(other, email, "brand-new-pass")).status == 200

    # Single use: the same token no longer validates or resets.
    resp = await api.post("/api/auth/reset-password", json={"token": token, "newPassword": "third-password"})
    assert await error_of(resp) == (400, "Invalid or expired reset link")
    resp = await api.get("/api/auth/reset-password", params={"token": token})
    assert await error_of(resp) == (400, "Invalid or expired reset link")


async def test_reset_password_accepts_the_documented_field_name(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/forgot-password", json={"email": email})
    async with database(settings) as db:
        token = await reset_token(db, email)
    resp = await api.post("/api/auth/reset-password", json={"token": token, "password": "documented-name"})
    assert resp.status == 200
    assert (await login(api, email, "documented-name")).status == 200


async def test_reset_password_errors(api: TestClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "Token and newPassword required"),
        ({"token": "abc"}, "Token and newPassword required"),
        ({"newPassword": "long-enough"}, "Token and newPassword required"),
        ({"token": "0" * 64, "newPassword": "long-enough"}, "Invalid or expired reset link"),
    ]
    for payload, message in cases:
        resp = await api.post("/api/auth/reset-password", json=payload)
        assert await error_of(resp) == (400, message), payload


async def test_reset_password_expired_token(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/forgot-password", json={"email": email})
    async with database(settings) as db:
        token = await reset_token(db, email)
        doc = await db.password_resets.find_one({})
        assert doc is not None
        # replace_one, not $set: nx-27017 stores a top-level datetime given to $set as a string.
        doc["expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
        await db.password_resets.replace_one({"_id": doc["_id"]}, doc)
    resp = await api.get("/api/auth/reset-password", params={"token": token})
    assert await error_of(resp) == (400, "Invalid or expired reset link")
    resp = await api.post("/api/auth/reset-password", json={"token": token, "newPassword": "brand-new-pass"})
    assert await error_of(resp) == (400, "Invalid or expired reset link")
    assert (await login(api, email)).status == 200  # the old password still works


async def test_reset_token_expires_after_one_hour(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    await api.post("/api/auth/forgot-password", json={"email": email})
    async with database(settings) as db:
        doc = await db.password_resets.find_one({})
    assert doc is not None
    assert timedelta(minutes=59) < doc["expires_at"] - doc["created_at"] <= timedelta(hours=1)


# ---------------------------------------------------------------- change password


async def test_change_password_requires_login(api: TestClient) -> None:
    resp = await api.post("/api/auth/change-password", json={"currentPassword": PASSWORD, "newPassword": "x" * 10})
    assert await error_of(resp) == (401, "Login required")


CHANGE_PASSWORD_ERRORS: list[tuple[dict[str, Any], int, str]] = [
    ({}, 400, "currentPassword and newPassword required"),
    ({"currentPassword": PASSWORD}, 400, "currentPassword and newPassword required"),
    ({"newPassword": "long-enough"}, 400, "currentPassword and newPassword required"),
    ({"currentPassword": PASSWORD, "newPassword": "short"}, 400, "Password must be at least 8 characters"),
    ({"currentPassword": PASSWORD, "newPassword": "n" * 129}, 400, "Password too long"),
    ({"currentPassword": PASSWORD, "newPassword": "n" * 5000}, 400, "Password too long"),
    ({"currentPassword": "wrong-current", "newPassword": "long-enough"}, 401, "Current password is incorrect"),
]


async def test_change_password_errors(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    for payload, status, message in CHANGE_PASSWORD_ERRORS:
        resp = await api.post("/api/auth/change-password", json=payload)
        assert await error_of(resp) == (status, message), payload
    assert (await login(api, email)).status == 200  # unchanged
    async with database(settings) as db:
        assert [m["subject"] for m in await mails_to(db, email) if "changed" in m["subject"]] == []


async def test_change_password_success(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    async with browser(api) as other:
        assert (await login(other, email)).status == 200
        resp = await api.post(
            "/api/auth/change-password", json={"currentPassword": PASSWORD, "newPassword": "changed-pass"}
        )
        assert resp.status == 200 and await resp.json() == {"message": "Password changed successfully"}
        # This session goes on; every other session of the account ends.
        assert (await api.get("/api/auth/me")).status == 200
        assert await error_of(await other.get("/api/auth/me")) == (401, "Login required")
        assert await error_of(await login(other, email)) == (401, "Invalid email or password")
        assert (await login(other, email, "changed-pass")).status == 200
    async with database(settings) as db:
        subjects = [m["subject"] for m in await mails_to(db, email)]
    assert any("password was changed" in s for s in subjects), subjects



async def test_site_admin_is_seeded_once_from_settings(start_server) -> None:
    api = await start_server(admin_email="Root@Slice.Test", admin_password="admin-password-123")
    resp = await api.post("/api/auth/login", json={"email": "root@slice.test", "password": "admin-password-123"})
    assert resp.status == 200 and (await resp.json())["isAdmin"] is True
    me = await (await api.get("/api/auth/me")).json()
    assert me["is_admin"] is True and me["email"] == "root@slice.test"
    # A second start on the same database neither fails nor creates a second admin.
    again = await start_server(admin_email="root@slice.test", admin_password="another-password-1")
    resp = await again.post("/api/auth/login", json={"email": "root@slice.test", "password": "admin-password-123"})
    assert resp.status == 200
