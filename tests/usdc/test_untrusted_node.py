"""The node's answers are input: a large answer arrives in many chunks, an absurd log index or
block height must not stall the watcher or move its checkpoint past the chain."""
from __future__ import annotations

import logging

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from server.settings import Settings
from server.usdc_rpc import EthRpc, RpcError
from tests.conftest import StartServer, eventually
from tests.http.http_support import database
from tests.usdc.support import (
    API_KEY_IN_URL,
    CONFIRMATIONS,
    OTHER_CONTRACT,
    address_of,
    checkpoint,
    deposits,
    fake_node,
    quick_user,
    reaches,
    watching,
)

USD_25 = 25_000_000


async def test_a_large_answer_is_read_whole(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 100 - CONFIRMATIONS)
        for i in range(3000):  # about 1.5 MB of another token's transfers: many TCP reads
            node.transfer(ours, 1_000_000, 99, contract=OTHER_CONTRACT, log_index=i + 1)
        credited = node.transfer(ours, USD_25, 99)
        node.head = 102
        await reaches(db, 99)
        [entry] = await deposits(db)
        assert entry["key"] == f"usdc:{credited['transactionHash']}:0"


async def test_an_absurd_log_index_does_not_stall_the_watcher(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node))
        await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 100 - CONFIRMATIONS)
        node.transfer(ours, 5_000_000, 98, log_index=2**255)  # cannot be stored: not a real log index
        credited = node.transfer(ours, USD_25, 99)
        node.head = 102
        await reaches(db, 99)
        assert [e["key"] for e in await deposits(db)] == [f"usdc:{credited['transactionHash']}:0"]


async def test_an_absurd_block_height_does_not_move_the_checkpoint(start_server: StartServer, settings: Settings) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        api = await start_server(**watching(node, usdc_max_block_range=1000))
        await quick_user(api, api.session)
        ours = await address_of(api)
        assert ours is not None
        await reaches(db, 100 - CONFIRMATIONS)
        node.head = 10**16
        target = node.block_number_calls + 3
        await eventually(lambda: node.block_number_calls >= target)
        assert await checkpoint(db) == 97
        node.head = 110
        credited = node.transfer(ours, USD_25, 105)
        await reaches(db, 107)
        assert [e["key"] for e in await deposits(db)] == [f"usdc:{credited['transactionHash']}:0"]


async def test_a_node_error_is_logged_without_what_the_node_put_in_it(
    start_server: StartServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_node(head=100) as node, database(settings) as db:
        node.error_code = "x" * 100_000 + API_KEY_IN_URL  # a node's error object is input, not a message
        caplog.set_level(logging.WARNING, logger="server.usdc_watcher")
        api = await start_server(**watching(node))
        await eventually(lambda: len([r for r in caplog.records if r.name == "server.usdc_watcher"]) >= 2)
        text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
        assert API_KEY_IN_URL not in text and "JSON-RPC error" in text
        node.error_code = None
        await quick_user(api, api.session)
        await reaches(db, 97)  # and it goes on once the node recovers


async def test_the_node_client_does_not_follow_redirects() -> None:
    """A redirect from the configured node would send our JSON-RPC calls (and trust) somewhere else."""
    calls: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/elsewhere")

    async def elsewhere(request: web.Request) -> web.Response:
        calls.append(request.path)
        return web.json_response({"jsonrpc": "2.0", "id": 1, "result": "0x10"})

    app = web.Application()
    app.router.add_post("/rpc", moved)
    app.router.add_post("/elsewhere", elsewhere)
    async with TestServer(app, host="127.0.0.1") as server, ClientSession() as session:
        rpc = EthRpc(session)
        assert await rpc.call(str(server.make_url("/elsewhere")), "eth_blockNumber", []) == "0x10"
        with pytest.raises(RpcError, match="HTTP 307"):
            await rpc.call(str(server.make_url("/rpc")), "eth_blockNumber", [])
    assert calls == ["/elsewhere"]
