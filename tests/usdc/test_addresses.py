"""USDC deposit addresses (issue 4, part 5): BIP-44 derivation from CRYPTO_MNEMONIC, one address per
account (the company's for its members), allocated once, never two accounts on one index."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestClient
from eth_account import Account

from server.settings import Settings, SettingsError
from server.usdc_addresses import HdWallet
from tests.conftest import StartServer
from tests.http.http_support import browser, database, error_of
from tests.http.openapi_support import Contract, assert_every_success_checked
from tests.usdc.support import MNEMONIC, VECTORS, address_of, quick_user, sign_up


def test_derivation_matches_bip44_vectors_and_eth_account() -> None:
    wallet = HdWallet(MNEMONIC)
    assert [wallet.address(i) for i in range(3)] == VECTORS
    Account.enable_unaudited_hdwallet_features()
    for index in (3, 17, 10_000, 2**31 - 1):
        expected = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").address
        assert wallet.address(index) == expected


def test_a_bad_mnemonic_is_refused_without_quoting_it() -> None:
    words = "correct horse battery staple " * 3
    with pytest.raises(SettingsError) as caught:
        HdWallet(words)
    assert "horse" not in str(caught.value) and caught.value.__suppress_context__


async def test_accounts_get_the_vectors_in_order_and_keep_them(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(crypto_mnemonic=MNEMONIC)
    async with browser(api) as a, browser(api) as b, browser(api) as c:
        await sign_up(a)  # through the register route once
        for client in (b, c):
            await quick_user(api, client)
        assert [await address_of(client) for client in (a, b, c)] == VECTORS
        assert [await address_of(client) for client in (c, b, a)] == VECTORS[::-1]
    async with database(settings) as db:
        users = [doc async for doc in db.users.find({"deposit_address": {"$in": VECTORS}})]
        assert sorted((u["deposit_index"], u["deposit_address"]) for u in users) == list(enumerate(VECTORS))
        mapped = {doc["_id"]: doc async for doc in db.usdc_addresses.find({})}
        assert set(mapped) == {v.lower() for v in VECTORS}
        assert all(doc["company_id"] is None and doc["user_id"] is not None for doc in mapped.values())


async def test_a_company_member_gets_the_company_address(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(crypto_mnemonic=MNEMONIC)
    async with browser(api) as owner, browser(api) as member, browser(api) as outsider:
        await sign_up(owner, accountType="company", companyName="Acme")
        member_email = await sign_up(member)
        await sign_up(outsider)
        async with database(settings) as db:
            company = await db.companies.find_one({"name": "Acme"})
            assert company is not None
            await db.users.update_one({"email": member_email}, {"$set": {"company_id": company["_id"]}})
        shared = await address_of(member)
        assert shared == VECTORS[0]
        assert await address_of(owner) == shared
        assert await address_of(outsider) == VECTORS[1]
        async with database(settings) as db:
            company = await db.companies.find_one({"_id": company["_id"]})
            assert company is not None and company["deposit_address"] == shared and company["deposit_index"] == 0
            member_doc = await db.users.find_one({"email": member_email})
            assert member_doc is not None and member_doc.get("deposit_address") is None
            mapped = await db.usdc_addresses.find_one({"_id": shared.lower()})
            assert mapped is not None and mapped["company_id"] == company["_id"] and mapped["user_id"] is None


async def test_concurrent_first_requests_get_distinct_addresses(start_server: StartServer, settings: Settings) -> None:
    api = await start_server(crypto_mnemonic=MNEMONIC)
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(browser(api)) for _ in range(10)]
        for client in clients:
            await quick_user(api, client)
        addresses = await asyncio.gather(*(address_of(client) for client in clients))
        assert len(set(addresses)) == 10
        wallet = HdWallet(MNEMONIC)
        assert set(addresses) == {wallet.address(i) for i in range(10)}

        # One account asking five times at once: one address; the racing losers' indexes stay unused.
        late = await stack.enter_async_context(browser(api))
        await quick_user(api, late)
        answers = await asyncio.gather(*(address_of(late) for _ in range(5)))
        assert len(set(answers)) == 1 and answers[0] not in addresses
    async with database(settings) as db:
        docs = [doc async for doc in db.users.find({"deposit_address": {"$in": [*addresses, answers[0]]}})]
        indexes = [doc["deposit_index"] for doc in docs]
        assert len(docs) == 11 and len(set(indexes)) == 11
        assert await db.usdc_addresses.count_documents({}) == 11


async def test_no_mnemonic_means_no_address(api: TestClient, contract: Contract, start_server: StartServer) -> None:
    async with browser(api) as anonymous:
        assert await error_of(await anonymous.get("/api/billing/usdc/address")) == (401, "Login required")
    await sign_up(api)
    resp = await api.get("/api/billing/usdc/address")
    assert await contract.check(resp) == {"address": None}

    with_mnemonic = await start_server(crypto_mnemonic=MNEMONIC)
    await sign_up(with_mnemonic)
    resp = await with_mnemonic.get("/api/billing/usdc/address")
    assert await contract.check(resp) == {"address": VECTORS[0]}
    assert_every_success_checked(contract, "usdc")
