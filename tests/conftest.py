"""Shared test fixtures: one in-memory nx-27017 per test session, a real Slice per test on a free port."""
from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.settings import RateLimits, Settings
from store.mongo.embedded import LAUNCH, free_port
from tests.http.openapi_support import Contract, contract_of

ROOT = Path(__file__).resolve().parent.parent
GENEROUS = RateLimits(auth="10000/minute", reset="10000/minute", api="100000/minute", guest="10000/minute")


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded database server for the whole run; each test gets its own database in it."""
    port = free_port()
    run = tmp_path_factory.mktemp("nx")
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "--data-dir", "memory", "--port", str(port),
         "--pid-file", str(run / "pid"), "--log-file", str(run / "log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("embedded database did not start") from None
            time.sleep(0.05)
    yield f"mongodb://127.0.0.1:{port}/?directConnection=true"
    proc.terminate()
    proc.wait(10)


_db_counter = itertools.count()


@pytest.fixture
def settings(mongo_url: str, tmp_path: Path) -> Settings:
    return Settings(
        port=0,
        mongodb_url=mongo_url,
        mongodb_db=f"t{next(_db_counter)}_{uuid.uuid4().hex[:8]}",
        data_dir=tmp_path,
        rate_limits=GENEROUS,
        # No site admin by default: seeding one hashes a password (~0.2 s) at every server start.
        admin_email=None,
        admin_password=None,
        log_requests=False,
    )


StartServer = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def start_server(settings: Settings) -> AsyncIterator[StartServer]:
    """Start a real Slice on a free port; keyword arguments override settings."""
    clients: list[TestClient] = []

    async def start(**overrides: object) -> TestClient:
        app: web.Application = create_app(settings.with_(**overrides))
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in reversed(clients):
        await client.close()


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """The usual case: one server with default (generous) settings and an HTTP client with a cookie jar."""
    return await start_server()


async def eventually(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.02) -> None:
    """Wait until predicate() is truthy (awaiting it if it returns an awaitable); fail after timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "PORT", "DATA_DIR"))}
    env.update(extra)
    return env


@pytest.fixture
async def contract(api: TestClient) -> Contract:
    """The served OpenAPI document, for checking real answers against it (tests/http/openapi_support.py)."""
    return await contract_of(api)
