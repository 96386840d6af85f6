"""Our two adjustments to python-engineio's aiohttp driver, and a guard on the private table they use."""
from __future__ import annotations

import inspect

import aiohttp
from aiohttp.test_utils import TestClient
from engineio.async_drivers import aiohttp as driver

from server.sockets import SIO, UncompressedWebSocket
from tests.meetings.support import Bot, account, create_meeting


def test_the_driver_table_still_has_the_shape_we_plug_into() -> None:
    """If this fails after a python-engineio upgrade, re-check server/sockets.py before anything else."""
    assert set(driver._async) >= {"translate_request", "websocket"}
    assert inspect.signature(driver.WebSocket.__init__).parameters.keys() == {"self", "handler", "server"}
    source = inspect.getsource(driver.WebSocket.__call__)
    assert "WebSocketResponse(" in source and "self.handler(self)" in source
    assert "wsgi.input" in inspect.getsource(driver.translate_request)


async def test_our_server_uses_the_adjusted_driver_and_leaves_the_shared_table_alone(api: TestClient) -> None:
    assert api.server.app[SIO].eio._async["websocket"] is UncompressedWebSocket
    assert driver._async["websocket"] is driver.WebSocket


async def test_a_websocket_offered_compression_does_not_take_it_and_still_works(api: TestClient) -> None:
    url = api.make_url("/socket.io/?EIO=4&transport=websocket")
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url, compress=15) as ws:
            assert ws.compress == 0
            assert (await ws.receive_str()).startswith("0{")  # engine.io open packet
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    bot = await Bot().connect(api)
    try:
        assert (await bot.join(meeting["meetingId"], "Ann"))["participants"] == []
    finally:
        await bot.close()
