"""The USDC deposit watcher against a fake JSON-RPC node (issue 4, part 5): confirmed Transfer logs to
our addresses credit once per (tx hash, log index); unconfirmed ones wait, and a re-org below the
confirmation depth credits nothing; rescans and restarts re-read blocks without crediting twice."""
from __future__ import annotations

import logging

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from server.settings import Settings
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser, database
from tests.usdc.support import (
    API_KEY_IN_URL,
    CONFIRMATIONS,
    MNEMONIC,
    OTHER_CONTRACT,
    SENDER,
    FakeNode,
    address_of,
    deposits,
    fake_node,
    quick_user,
    reaches,
    sign_up,
    watching,
)

USD_25 = 25_000_000


async def full_polls(node: FakeNode, count: int = 2) -> None:
    """Wait until ``count`` more polls began, so at least ``count - 1`` ran entirely after this call."""
    target = node.block_number_calls + count
    await eventually(lambda: node.block_number_calls >= target)


async def balance(db: AsyncDatabase, email: str) -> int:
    user = await db.users.find_one({"email": email})
    assert user is not None
    return int(user["credits_micros"])


async def test_a_confirmed_transfer_credits_once(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        email = await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 100 - CONFIRMATIONS)  # the first run starts at the confirmed head, not genesis
        before = await balance(db, email)

        credited = node.transfer(ours, USD_25, 99)
        node.transfer(SENDER, 7_000_000, 99)                             # not ours
        node.transfer(ours, 5_000_000, 99, contract=OTHER_CONTRACT)      # another token
        node.transfer(ours, 3_000_000, 99, removed=True, log_index=4)    # a removed log
        node.transfer(ours, 0, 99, log_index=5)                          # a zero-value transfer
        await full_polls(node)
        assert await deposits(db) == []  # block 99 is not 3 deep yet at head 100

        node.head = 102
        await reaches(db, 99)
        entries = await deposits(db)
        assert len(entries) == 1
        assert entries[0]["amount_micros"] == USD_25 and entries[0]["key"] == f"usdc:{credited['transactionHash']}:0"
        assert entries[0]["description"].startswith("USDC deposit $25.00 (0x")
        assert await balance(db, email) == before + USD_25
        rows = [doc async for doc in db.usdc_deposits.find({})]
        assert [(r["tx_hash"], r["log_index"], r["amount_micros"], r["status"], r["wallet_address"], r["block_number"])
                for r in rows] == [(credited["transactionHash"], 0, USD_25, "confirmed", ours, 99)]

        node.head = 110  # later blocks: nothing more (re-reading block 99 is the rescan test)
        await reaches(db, 107)
        await full_polls(node)
        assert len(await deposits(db)) == 1 and await balance(db, email) == before + USD_25
        assert node.asked_for(ours) and node.problems == []


async def test_a_reorg_below_the_confirmation_depth_credits_nothing(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        email = await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 97)
        before = await balance(db, email)

        orphaned = node.transfer(ours, USD_25, 99)  # head - 1: unconfirmed with 3 confirmations
        await full_polls(node)
        assert await deposits(db) == []

        node.logs.remove(orphaned)  # the re-org: block 99 is replaced and the transfer is gone
        node.head = 110
        await reaches(db, 107)
        await full_polls(node)
        assert await deposits(db) == [] and await db.usdc_deposits.count_documents({}) == 0
        assert await balance(db, email) == before
        assert node.problems == []


async def test_rescans_and_restarts_credit_nothing_twice(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        overrides = watching(node)
        api = await start_server(**overrides)
        email = await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 97)
        before = await balance(db, email)
        node.transfer(ours, USD_25, 98)
        node.transfer(ours, 1_500_000, 98, log_index=1, tx_hash=node.logs[-1]["transactionHash"])  # same tx, 2nd log
        node.head = 101
        await reaches(db, 98)
        assert len(await deposits(db)) == 2
        assert await balance(db, email) == before + USD_25 + 1_500_000

        # A crash between crediting and saving the checkpoint: the next process re-reads the blocks.
        await api.close()
        await db.crypto_state.update_one({"_id": "usdc_watcher"}, {"$set": {"last_block": 90}})
        seen = len(node.filters)
        await start_server(**overrides)
        await eventually(lambda: any(f["fromBlock"] == hex(91) for f in node.filters[seen:]))
        await reaches(db, 98)
        await full_polls(node)
        assert len(await deposits(db)) == 2 and await db.usdc_deposits.count_documents({}) == 2
        assert await balance(db, email) == before + USD_25 + 1_500_000
        assert node.problems == []


async def test_a_company_address_credits_the_company(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        async with browser(api) as owner:
            await sign_up(owner, accountType="company", companyName="Acme")
            ours = await address_of(owner)
        assert ours is not None
        await reaches(db, 97)
        company = await db.companies.find_one({"name": "Acme"})
        assert company is not None
        node.transfer(ours, USD_25, 98)
        node.head = 101
        await reaches(db, 98)
        entry, = await deposits(db)
        assert entry["company_id"] == company["_id"]
        after = await db.companies.find_one({"_id": company["_id"]})
        assert after is not None and after["credits_micros"] == company["credits_micros"] + USD_25


async def test_a_personal_address_follows_its_user_into_a_company_and_not_past_deletion(
        start_server: StartServer, settings: Settings) -> None:
    """A deposit lands where the user's balance is now: their company's once they joined one. A user
    deleted since is credited nothing (the deposit is kept as unclaimed for the admin)."""
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        async with browser(api) as owner, browser(api) as member, browser(api) as leaver:
            await sign_up(owner, accountType="company", companyName="Acme")
            invite = (await (await owner.get("/api/auth/me")).json())["invite_code"]
            member_email = await sign_up(member)
            personal = await address_of(member)
            await sign_up(leaver)
            gone = await address_of(leaver)
            resp = await member.post("/api/company/join", json={"inviteCode": invite})
            assert resp.status == 200, await resp.text()
        assert personal is not None and gone is not None
        company = await db.companies.find_one({"name": "Acme"})
        assert company is not None
        leaver_doc = await db.users.find_one({"_id": {"$nin": [company["owner_id"]]}, "company_id": {"$in": [None]}})
        assert leaver_doc is not None
        await db.users.delete_one({"_id": leaver_doc["_id"]})
        await reaches(db, 97)

        node.transfer(personal, USD_25, 98)
        node.transfer(gone, USD_25, 98)
        node.head = 101
        await reaches(db, 98)
        entry, = await deposits(db)
        assert entry["company_id"] == company["_id"]
        after = await db.companies.find_one({"_id": company["_id"]})
        assert after is not None and after["credits_micros"] == company["credits_micros"] + USD_25
        assert await balance(db, member_email) == 0  # the personal balance moved on joining and stays there
        unclaimed = await db.usdc_deposits.find_one({"status": "unclaimed"})
        assert unclaimed is not None and unclaimed["user_id"] == leaver_doc["_id"]


async def test_node_errors_are_logged_without_the_url_and_the_watcher_goes_on(
    start_server: StartServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        node.fail_next = 3
        caplog.set_level(logging.WARNING, logger="server.usdc_watcher")
        api = await start_server(**watching(node))
        await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 97)  # it recovered after three failed polls
        assert node.failed == 3
        warnings = [r for r in caplog.records if r.name == "server.usdc_watcher"]
        assert len(warnings) == 3 and all("HTTP 502" in r.getMessage() + str(r.__dict__) for r in warnings)
        assert API_KEY_IN_URL not in caplog.text + "".join(str(r.__dict__) for r in caplog.records)
        assert MNEMONIC.split()[-1] not in "".join(str(r.__dict__) for r in caplog.records)
