"""Company workspaces (issue 4 part 2): join with the exact invite code, the joiner's balance merges
into the company's, members and roles, removal by the owner, and members' meetings charge the company."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.conftest import StartServer
from tests.http.http_support import ISO_MS, browser, database, error_of
from tests.http.openapi_support import Contract, assert_every_success_checked
from tests.meetings.support import account
from tests.meetings.test_billing import run_meeting

JOIN = "/api/company/join"
MEMBERS = "/api/company/members"


async def me(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/auth/me")
    assert resp.status == 200
    return await resp.json()


async def join(client: Any, code: Any) -> dict[str, Any]:
    resp = await client.post(JOIN, json={"inviteCode": code})
    body = await resp.json()
    assert resp.status == 200, body
    return body


async def members(client: Any) -> dict[str, Any]:
    resp = await client.get(MEMBERS)
    body = await resp.json()
    assert resp.status == 200, body
    return body


async def test_joining_with_the_exact_invite_code(api: TestClient) -> None:
    owner = await account(api, accountType="company", companyName="Acme Corp")
    company_id = (await me(api))["company_id"]
    code = owner["inviteCode"]
    other_cases = {code.lower(), code.upper(), code.swapcase()} - {code}
    assert other_cases, "the test needs a code with a letter"  # token_urlsafe(9): 12 characters
    async with browser(api) as dev:
        await account(dev)  # type: ignore[arg-type]
        for wrong in (*other_cases, code[:-1], "x" * 200):
            assert await error_of(await dev.post(JOIN, json={"inviteCode": wrong})) == (404, "Invalid invite code")
        for empty in ({}, {"inviteCode": ""}, {"inviteCode": "   "}, {"inviteCode": None}):
            assert await error_of(await dev.post(JOIN, json=empty)) == (400, "Invite code required")
        assert (await error_of(await dev.post(JOIN, json={"inviteCode": 12})))[0] == 400
        assert (await error_of(await dev.post(JOIN, json={"inviteCode": "x" * 201})))[0] == 400

        assert await join(dev, f"  {code}\n") == {
            "message": "Joined Acme Corp", "companyId": company_id, "companyName": "Acme Corp"}
        profile = await me(dev)
        assert (profile["company_id"], profile["company_name"], profile["invite_code"]) == (company_id, "Acme Corp", None)
        assert await error_of(await dev.post(JOIN, json={"inviteCode": code})) == (409, "You are already part of a company")
    # The owner is in the company already.
    assert await error_of(await api.post(JOIN, json={"inviteCode": code})) == (409, "You are already part of a company")


async def test_join_needs_a_session(api: TestClient) -> None:
    assert await error_of(await api.post(JOIN, json={"inviteCode": "abc"})) == (401, "Login required")
    assert await error_of(await api.get(MEMBERS)) == (401, "Login required")
    assert await error_of(await api.delete(f"{MEMBERS}/1")) == (401, "Login required")


async def test_the_joiners_balance_merges_into_the_company(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    async with browser(api) as dev:
        await account(dev)  # type: ignore[arg-type]
        dev_id = (await me(dev))["id"]
        async with database(settings) as db:  # a balance that is not the sign-up credit alone
            await db.users.update_one({"_id": dev_id}, {"$inc": {"credits_micros": 1_234_500}})
        await join(dev, owner["inviteCode"])
        profile = await me(dev)
        assert (profile["balance"], profile["company_credits"], profile["credits_usd"]) == ("11.2345", "11.2345", "0.0000")
    assert (await me(api))["balance"] == "11.2345"  # the owner sees the shared balance
    async with database(settings) as db:
        moves = [e async for e in db.credit_transactions.find({"type": "company_transfer"})]
        user = await db.users.find_one({"_id": dev_id})
    assert user is not None and "join_transfer" not in user
    assert sorted((e["amount_micros"], e["company_id"]) for e in moves) == [(-6_234_500, None), (6_234_500, company_id)]
    assert {e["user_id"] for e in moves} == {dev_id}


async def test_two_joins_at_once_join_one_company_and_move_the_balance_once(api: TestClient, settings: Settings) -> None:
    first = await account(api, accountType="company", companyName="First")
    second = await account(api, accountType="company", companyName="Second")
    async with browser(api) as dev:
        await account(dev)  # type: ignore[arg-type]
        answers = await asyncio.gather(
            *(dev.post(JOIN, json={"inviteCode": code}) for code in [first["inviteCode"], second["inviteCode"]] * 3))
        statuses = sorted(resp.status for resp in answers)
        assert statuses == [200, 409, 409, 409, 409, 409], statuses
        assert (await me(dev))["balance"] == "10.0000"
    async with database(settings) as db:
        assert await db.credit_transactions.count_documents({"type": "company_transfer"}) == 2


async def test_an_interrupted_join_is_finished_at_start(start_server: StartServer, settings: Settings) -> None:
    """A crash after the membership was written but before the balance moved: start-up moves it, once."""
    api = await start_server()
    await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    async with browser(api) as dev:
        await account(dev)  # type: ignore[arg-type]
        dev_id = (await me(dev))["id"]
    async with database(settings) as db:  # what join_company leaves behind on its own
        await db.users.update_one({"_id": dev_id}, {"$set": {
            "company_id": company_id, "join_transfer": {"id": 999, "company_id": company_id, "amount_micros": 5_000_000}}})
    for _ in range(2):
        again = await start_server()
        async with browser(again) as owner_view:
            assert (await owner_view.post("/api/auth/login", json={"email": (await me(api))["email"],
                                                                    "password": "secret123"})).status == 200
            assert (await me(owner_view))["balance"] == "10.0000"
    async with database(settings) as db:
        user = await db.users.find_one({"_id": dev_id})
        assert user is not None and user["credits_micros"] == 0 and "join_transfer" not in user


async def test_members_and_their_roles(api: TestClient) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    owner_profile = await me(api)
    async with browser(api) as dev, browser(api) as ops:
        devs = await account(dev)  # type: ignore[arg-type]
        await join(dev, owner["inviteCode"])
        opss = await account(ops)  # type: ignore[arg-type]
        await join(ops, owner["inviteCode"])
        listing = await members(api)
        assert listing["isOwner"] is True
        assert [(m["email"], m["role"]) for m in listing["members"]] == [
            (owner["email"], "owner"), (devs["email"], "member"), (opss["email"], "member")]
        first = listing["members"][0]
        assert first["id"] == owner_profile["id"] and first["account_type"] == "company"
        for member in listing["members"]:
            assert set(member) == {"id", "email", "role", "joined_at", "account_type", "created_at", "credits_used"}
            assert ISO_MS.match(member["joined_at"]) and ISO_MS.match(member["created_at"])
            assert member["credits_used"] == "0.0000"
        seen_by_member = await members(dev)
        assert seen_by_member["isOwner"] is False and seen_by_member["members"] == listing["members"]
    async with browser(api) as stranger:
        await account(stranger)  # type: ignore[arg-type]
        assert await error_of(await stranger.get(MEMBERS)) == (400, "You are not part of a company")


async def test_only_the_owner_removes_members(api: TestClient) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    owner_id = (await me(api))["id"]
    async with browser(api) as dev, browser(api) as ops, browser(api) as stranger:
        await account(dev)  # type: ignore[arg-type]
        await join(dev, owner["inviteCode"])
        dev_id = (await me(dev))["id"]
        await account(ops)  # type: ignore[arg-type]
        await join(ops, owner["inviteCode"])
        await account(stranger)  # type: ignore[arg-type]
        stranger_id = (await me(stranger))["id"]

        assert await error_of(await dev.delete(f"{MEMBERS}/{owner_id}")) == (403, "Only the company owner can remove members")
        assert await error_of(await stranger.delete(f"{MEMBERS}/{dev_id}")) == (400, "You are not part of a company")
        assert await error_of(await api.delete(f"{MEMBERS}/{owner_id}")) == (400, "Cannot remove yourself")
        for other in (stranger_id, 999_999, "abc", "1.5", "9" * 30):
            assert await error_of(await api.delete(f"{MEMBERS}/{other}")) == (404, "Member not found"), other

        resp = await api.delete(f"{MEMBERS}/{dev_id}")
        assert resp.status == 200 and await resp.json() == {"message": "Member removed"}
        assert dev_id not in [m["id"] for m in (await members(api))["members"]]
        profile = await me(dev)
        assert (profile["company_id"], profile["company_name"], profile["balance"]) == (None, None, "0.0000")
        assert await error_of(await dev.get(MEMBERS)) == (400, "You are not part of a company")
        assert await error_of(await api.delete(f"{MEMBERS}/{dev_id}")) == (404, "Member not found")
        # The credits the member brought stay with the company.
        assert (await me(api))["balance"] == "15.0000"
        # A removed member may join again (its balance, now zero, moves again).
        await join(dev, owner["inviteCode"])
        assert (await me(dev))["balance"] == "15.0000"


async def test_a_members_meeting_charges_the_company(api: TestClient, settings: Settings) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    company_id = (await me(api))["company_id"]
    async with browser(api) as dev:
        dev_account = await account(dev)  # type: ignore[arg-type]
        await join(dev, owner["inviteCode"])
        dev_id = (await me(dev))["id"]
        assert (await me(dev))["balance"] == "10.0000"
        # Created with the member's own API key, joined by two bots, ten minutes, then ended.
        meeting = await run_meeting(api, dev_account["key"], minutes=10, people=2)
        profile = await me(dev)
        assert (profile["balance"], profile["company_credits"], profile["credits_usd"]) == ("9.9200", "9.9200", "0.0000")
        async with database(settings) as db:
            [charge] = [e async for e in db.credit_transactions.find({"reference_id": meeting["meetingId"]})]
        assert (charge["user_id"], charge["company_id"], charge["amount_micros"]) == (dev_id, company_id, -80_000)
        listing = await members(api)
        used = {m["id"]: m["credits_used"] for m in listing["members"]}
        assert used[dev_id] == "0.0800" and list(used.values()).count("0.0000") == 1
        # The company's history has the charge; the member's own (personal) history does not.
        history = await (await dev.get("/api/billing/history")).json()
        assert history["balance"] == "9.9200"
        assert [t["type"] for t in history["transactions"]] == ["meeting_charge", "company_transfer", "signup_credit"]


async def test_every_company_success_matches_the_document(api: TestClient, contract: Contract) -> None:
    owner = await account(api, accountType="company", companyName="Acme")
    async with browser(api) as dev:
        dev_session: aiohttp.ClientSession = dev
        await account(dev_session)  # type: ignore[arg-type]
        await contract.check(await dev_session.post(JOIN, json={"inviteCode": owner["inviteCode"]}))
        dev_id = (await me(dev_session))["id"]
        await contract.check(await dev_session.post(JOIN, json={"inviteCode": owner["inviteCode"]}))  # 409
        await contract.check(await dev_session.delete(f"{MEMBERS}/{dev_id}"))  # 403
    await contract.check(await api.get(MEMBERS))
    await contract.check(await api.delete(f"{MEMBERS}/{dev_id}"))
    await contract.check(await api.delete(f"{MEMBERS}/{dev_id}"))  # 404
    await contract.check(await api.post(JOIN, json={"inviteCode": "nope"}))  # 404
    assert_every_success_checked(contract, "company")
