"""/admin/api/crypto/* (contract §3.4): the watcher's configuration, the deposits it credited, rescans."""
from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.settings import Settings, SettingsError
from tests.conftest import StartServer, eventually
from tests.http.http_support import browser, database, error_of
from tests.usdc.support import (
    API_KEY_IN_URL,
    CONFIRMATIONS,
    CONTRACT,
    address_of,
    admin_login,
    fake_node,
    sign_up,
    watching,
)

ADMIN = {"admin_email": "root@example.com", "admin_password": "Adm1n-pass-for-tests"}
WALLET = "0x" + "aB" * 20
ROUTES = [
    ("GET", "/admin/api/crypto/config", None),
    ("PUT", "/admin/api/crypto/wallet", {"address": WALLET}),
    ("PUT", "/admin/api/crypto/rpc", {"url": "https://node.example.com/v3/key"}),
    ("GET", "/admin/api/crypto/deposits", None),
    ("POST", "/admin/api/crypto/rescan", {"fromBlock": 1}),
]


async def admin(start_server: StartServer, **overrides: Any) -> TestClient:
    api = await start_server(**ADMIN, **overrides)
    await admin_login(api, ADMIN["admin_email"], ADMIN["admin_password"])
    return api


async def ok(resp: Any) -> Any:
    body = await resp.json()
    assert resp.status == 200, body
    return body


async def test_only_a_site_admin_gets_in(start_server: StartServer) -> None:
    api = await start_server(**ADMIN)
    async with browser(api) as anonymous, browser(api) as user:
        await sign_up(user)
        for client in (anonymous, user):
            for method, path, payload in ROUTES:
                resp = await client.request(method, path, json=payload)
                assert await error_of(resp) == (401, "Admin login required"), (method, path)


async def test_validation(start_server: StartServer) -> None:
    api = await admin(start_server)
    bad_wallets = [{}, {"address": None}, {"address": 42}, {"address": "0x123"}, {"address": WALLET + "0"},
                   {"address": "0x" + "g" * 40}, {"address": " " + WALLET}]
    for payload in bad_wallets:
        resp = await api.put("/admin/api/crypto/wallet", json=payload)
        assert (await error_of(resp))[0] == 400, payload
    resp = await api.put("/admin/api/crypto/wallet", json={"address": "0x123"})
    assert await error_of(resp) == (400, "Invalid Ethereum address (must be 0x + 40 hex chars)")

    for payload in ({}, {"url": ""}, {"url": "   "}):
        assert await error_of(await api.put("/admin/api/crypto/rpc", json=payload)) == (400, "url required")
    for url in ("ftp://node.example.com", "javascript:alert(1)", "node.example.com", "http://", "https://:80/x",
                "http://exa mple.com/", "http://host:99999/", "file:///etc/passwd"):
        resp = await api.put("/admin/api/crypto/rpc", json={"url": url})
        assert await error_of(resp) == (400, "Invalid URL format"), url
    resp = await api.put("/admin/api/crypto/rpc", json={"url": "https://x.example/" + "a" * 3000})
    assert (await error_of(resp))[0] == 400

    for payload in ({}, {"fromBlock": -1}, {"fromBlock": "5"}, {"fromBlock": 1.5}, {"fromBlock": True},
                    {"fromBlock": None}, {"fromBlock": 10**30}):
        resp = await api.post("/admin/api/crypto/rescan", json=payload)
        assert await error_of(resp) == (400, "fromBlock must be a non-negative integer"), payload
    assert (await error_of(await api.post("/admin/api/crypto/rescan", data=b"{nope"))) == (400, "Invalid JSON body")


async def test_config_without_a_watcher(start_server: StartServer) -> None:
    api = await admin(start_server)
    assert await ok(await api.get("/admin/api/crypto/config")) == {
        "platformWallet": None, "rpcUrl": None, "lastBlock": "0", "monitorActive": False,
        "confirmations": 12, "contract": CONTRACT,
    }
    assert await ok(await api.put("/admin/api/crypto/wallet", json={"address": WALLET})) == {
        "message": "Platform wallet updated", "address": WALLET}
    assert await ok(await api.post("/admin/api/crypto/rescan", json={"fromBlock": 123})) == {
        "message": "Monitor checkpoint reset to block 123"}
    config = await ok(await api.get("/admin/api/crypto/config"))
    assert config["platformWallet"] == WALLET and config["lastBlock"] == "122" and config["monitorActive"] is False
    assert await ok(await api.get("/admin/api/crypto/deposits")) == {"deposits": []}


async def test_watcher_config_rpc_switch_and_deposits(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await admin(start_server, **watching(node))
        config = await ok(await api.get("/admin/api/crypto/config"))
        host = str(node.server.make_url("/")).rstrip("/")  # type: ignore[union-attr]
        assert config["rpcUrl"] == host and API_KEY_IN_URL not in str(config)
        assert config["monitorActive"] is True and config["confirmations"] == CONFIRMATIONS

        # Deposits by a personal user and by a company, listed newest first with their owners.
        async with browser(api) as person, browser(api) as owner:
            email = await sign_up(person)
            owner_email = await sign_up(owner, accountType="company", companyName="Acme")
            personal, company = await address_of(person), await address_of(owner)
        assert personal is not None and company is not None
        await eventually(lambda: node.block_number_calls > 0)
        first = node.transfer(personal, 12_345_678, 98)
        second = node.transfer(company, 1_000_000, 99)
        node.head = 102

        async def both() -> bool:
            return await db.usdc_deposits.count_documents({}) == 2
        await eventually(both)
        listed = (await ok(await api.get("/admin/api/crypto/deposits")))["deposits"]
        assert [(d["tx_hash"], d["amount_usd"], d["wallet_address"], d["status"], d["user_email"], d["company_name"])
                for d in listed] == [
            (second["transactionHash"], "1.0000", company, "confirmed", None, "Acme"),
            (first["transactionHash"], "12.3457", personal, "confirmed", email, None),
        ]
        assert all(isinstance(d["id"], int) and d["created_at"].endswith("Z") for d in listed)
        assert owner_email  # the company's deposit is the company's, whoever asked for the address
        config = await ok(await api.get("/admin/api/crypto/config"))
        assert config["lastBlock"] == "99"

        # A new RPC URL is used from the next poll on, instead of ETH_RPC_URL.
        new_url = node.url("/other-provider/" + API_KEY_IN_URL)
        assert await ok(await api.put("/admin/api/crypto/rpc", json={"url": new_url})) == {"message": "RPC URL updated"}
        seen = len(node.paths)
        await eventually(lambda: "/other-provider/" + API_KEY_IN_URL in node.paths[seen:])
        assert (await ok(await api.get("/admin/api/crypto/config")))["rpcUrl"] == host

        # A rescan re-reads the blocks and credits nothing twice.
        seen = len(node.filters)
        assert await ok(await api.post("/admin/api/crypto/rescan", json={"fromBlock": 95})) == {
            "message": "Monitor checkpoint reset to block 95"}
        await eventually(lambda: any(f["fromBlock"] == hex(95) for f in node.filters[seen:]))
        await eventually(lambda: _checkpoint_is(db, 99))
        assert await db.credit_transactions.count_documents({"type": "usdc_deposit"}) == 2
        assert len((await ok(await api.get("/admin/api/crypto/deposits")))["deposits"]) == 2
        assert node.problems == []


async def _checkpoint_is(db: Any, block: int) -> bool:
    doc = await db.crypto_state.find_one({"_id": "usdc_watcher"})
    return doc is not None and doc["last_block"] == block


async def test_a_bad_mnemonic_stops_start_up(settings: Settings) -> None:
    """The mnemonic is checked at start (and never quoted): a typo must not surface as a 500 later."""
    server = TestServer(create_app(settings.with_(crypto_mnemonic="not a mnemonic at all")), host="127.0.0.1")
    try:
        with pytest.raises(SettingsError) as caught:
            await server.start_server()
        assert "CRYPTO_MNEMONIC" in str(caught.value) and "at all" not in str(caught.value)
    finally:
        await server.close()  # cleans up the contexts that did start (the database's)
