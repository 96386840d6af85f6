"""A fake Ethereum JSON-RPC node for the USDC tests, plus account shortcuts.

The node answers ``eth_blockNumber`` and ``eth_getLogs`` from a list of crafted logs. It returns
every log in the requested block range *without* applying the address or topic filter, so the
watcher's own checks are what keeps foreign transfers out; the filter it receives is checked here
and anything wrong with it is recorded in ``problems``.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pymongo.asynchronous.database import AsyncDatabase

from server.services import SERVICES
from tests.conftest import eventually
from tests.http.http_support import PASSWORD, register, unique_email

MNEMONIC = "test test test test test test test test test test test junk"
# The BIP-44 addresses m/44'/60'/0'/0/0..2 of MNEMONIC (Hardhat's and Anvil's default accounts).
VECTORS = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
]
CONTRACT = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
OTHER_CONTRACT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SENDER = "0x1111111111111111111111111111111111111111"
CONFIRMATIONS = 3
API_KEY_IN_URL = "sekr3t-provider-key"


def topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


class FakeNode:
    def __init__(self, head: int = 100) -> None:
        self.head = head
        self.logs: list[dict[str, Any]] = []
        self.filters: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.block_number_calls = 0
        self.fail_next = 0  # answer this many requests with HTTP 502, then recover
        self.error_code: Any = None  # when set, every call gets a JSON-RPC error with this "code"
        self.failed = 0
        self.problems: list[str] = []
        self.tx_numbers = itertools.count(1)
        self.server: TestServer | None = None

    def url(self, path: str = "/v3/" + API_KEY_IN_URL) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    def transfer(self, to: str, amount: int, block: int, *, contract: str = CONTRACT, removed: bool = False,
                 log_index: int = 0, tx_hash: str | None = None) -> dict[str, Any]:
        entry = {
            "address": contract.lower(), "blockNumber": hex(block), "logIndex": hex(log_index),
            "transactionHash": tx_hash or "0x" + f"{next(self.tx_numbers):x}".rjust(64, "0"),
            "topics": [TRANSFER, topic(SENDER), topic(to)], "data": "0x" + f"{amount:x}".rjust(64, "0"),
            "removed": removed, "blockHash": "0x" + uuid.uuid4().hex * 2, "transactionIndex": "0x0",
        }
        self.logs.append(entry)
        return entry

    async def handle(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        if self.fail_next > 0:
            self.fail_next -= 1
            self.failed += 1
            return web.Response(status=502, text="bad gateway")
        call = await request.json()
        if self.error_code is not None:
            return web.json_response({"jsonrpc": "2.0", "id": call.get("id"),
                                      "error": {"code": self.error_code, "message": "nope"}})
        if call.get("jsonrpc") != "2.0" or "id" not in call:
            self.problems.append(f"not JSON-RPC 2.0: {call}")
        if call["method"] == "eth_blockNumber":
            self.block_number_calls += 1
            result: Any = hex(self.head)
        elif call["method"] == "eth_getLogs":
            (log_filter,) = call["params"]
            self.check(log_filter)
            self.filters.append(log_filter)
            low, high = int(log_filter["fromBlock"], 16), int(log_filter["toBlock"], 16)
            result = [entry for entry in self.logs if low <= int(entry["blockNumber"], 16) <= high]
        else:
            return web.json_response({"jsonrpc": "2.0", "id": call["id"],
                                      "error": {"code": -32601, "message": "method not found"}})
        return web.json_response({"jsonrpc": "2.0", "id": call["id"], "result": result})

    def check(self, log_filter: dict[str, Any]) -> None:
        if int(log_filter["toBlock"], 16) > self.head - CONFIRMATIONS:
            self.problems.append(f"asked for an unconfirmed block: {log_filter['toBlock']} at head {self.head}")
        if int(log_filter["fromBlock"], 16) > int(log_filter["toBlock"], 16):
            self.problems.append(f"empty range: {log_filter}")
        if log_filter["address"].lower() != CONTRACT.lower():
            self.problems.append(f"wrong contract: {log_filter['address']}")
        first, sender, recipients = log_filter["topics"]
        if first != TRANSFER or sender is not None or not isinstance(recipients, list):
            self.problems.append(f"wrong topics: {log_filter['topics']}")
        elif not recipients or len(recipients) > 200 or any(len(t) != 66 for t in recipients):
            self.problems.append(f"bad recipient list: {recipients}")

    def asked_for(self, address: str) -> bool:
        return any(topic(address) in f["topics"][2] for f in self.filters)


@asynccontextmanager
async def fake_node(head: int = 100) -> AsyncIterator[FakeNode]:
    node = FakeNode(head)
    app = web.Application()
    app.router.add_post("/{tail:.*}", node.handle)
    node.server = TestServer(app, host="127.0.0.1")
    await node.server.start_server()
    try:
        yield node
    finally:
        await node.server.close()


def watching(node: FakeNode, **extra: Any) -> dict[str, Any]:
    """start_server overrides for a server that watches ``node`` (fast polls, 3 confirmations)."""
    return {"crypto_mnemonic": MNEMONIC, "eth_rpc_url": node.url(), "usdc_contract": CONTRACT,
            "usdc_confirmations": CONFIRMATIONS, "usdc_poll_seconds": 0.02, **extra}


async def address_of(client: Any) -> str | None:
    resp = await client.get("/api/billing/usdc/address")
    body = await resp.json()
    assert resp.status == 200, body
    return body["address"]


async def sign_up(client: Any, **fields: Any) -> str:
    """Register (the client keeps the session); returns the email."""
    email = unique_email("usdc")
    await register(client, email, PASSWORD, **fields)
    return email


async def admin_login(api: TestClient, email: str, password: str) -> None:
    resp = await api.post("/admin/login", json={"email": email, "password": password})
    assert resp.status == 200, await resp.text()


async def quick_user(api: TestClient, client: Any) -> str:
    """A user logged in on ``client`` without the password hashing of register and login (set-up for
    tests that need many accounts; the register path itself is what ``sign_up`` uses)."""
    services = api.server.app[SERVICES]
    email = unique_email("usdc")
    user = await services.accounts.create_user(email, "not-a-password-hash")
    sid = await services.sessions.create(user["_id"])
    client.cookie_jar.update_cookies({"connect.sid": sid}, api.make_url("/"))
    return email


async def checkpoint(db: AsyncDatabase) -> int | None:
    doc = await db.crypto_state.find_one({"_id": "usdc_watcher"})
    return None if doc is None else doc["last_block"]


async def reaches(db: AsyncDatabase, block: int) -> None:
    async def there() -> bool:
        return await checkpoint(db) == block
    await eventually(there)


async def deposits(db: AsyncDatabase) -> list[dict[str, Any]]:
    return [doc async for doc in db.credit_transactions.find({"type": "usdc_deposit"})]
