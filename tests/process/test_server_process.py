"""``python -m server`` as an operator runs it: embedded database, durable data, clean shutdown, start-up checks."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from server.settings import DEFAULT_SESSION_SECRET, Settings, SettingsError
from store.mongo.embedded import free_port
from tests.conftest import ROOT, server_env

# Inherited settings that would change what these tests see.
UNSET = ("ENV", "NODE_ENV", "SESSION_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "REDIS_URL", "HOST")
STRONG_SECRET = "k3O9x-rV2b7mQ1-wZ8yT4nL6pJ0sD5hF"


def env_for(**extra: str) -> dict[str, str]:
    env = server_env(**extra)
    for name in UNSET:
        if name not in extra:
            env.pop(name, None)
    return env


def processes_using(marker: str) -> list[int]:
    """Pids whose command line mentions ``marker`` (here: a test's data directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(int(entry.name))
    return found


def running(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    data_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def embedded_db_pids(self) -> list[int]:
        return [pid for pid in processes_using(str(self.data_dir / "mongo")) if pid != self.process.pid]

    async def wait_exit(self, seconds: float) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            raise AssertionError(f"server still running after {seconds}s:\n{self.output()[-3000:]}") from None


Launch = Callable[[Path], Awaitable[Server]]


@pytest.fixture
async def launch(tmp_path: Path) -> AsyncIterator[Launch]:
    """Start ``python -m server`` on a free port and a data directory; wait until /health answers."""
    started: list[Server] = []

    async def start(data_dir: Path) -> Server:
        port = free_port()
        log = tmp_path / f"server-{len(started)}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server", cwd=ROOT,
                env=env_for(PORT=str(port), DATA_DIR=str(data_dir), LOG_REQUESTS="false", HOST="127.0.0.1"),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        server = Server(process, f"http://127.0.0.1:{port}", data_dir, log)
        started.append(server)
        deadline = asyncio.get_running_loop().time() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None:
                    raise AssertionError(f"server exited with {process.returncode}:\n{server.output()}")
                try:
                    async with http.get(f"{server.url}/health") as resp:
                        if resp.status == 200:
                            return server
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"server did not answer /health:\n{server.output()}")
                await asyncio.sleep(0.1)

    yield start
    for server in started:  # a failed test must not leave its processes behind
        if server.process.returncode is None:
            os.killpg(server.process.pid, signal.SIGKILL)
            await server.process.wait()
        for pid in server.embedded_db_pids():  # an orphaned database child, if the test caught one
            os.kill(pid, signal.SIGKILL)


def client(server: Server) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=server.url + "/", cookie_jar=aiohttp.CookieJar(unsafe=True))


async def assert_clean_exit(server: Server) -> None:
    code = await server.wait_exit(15)
    assert code == 0, server.output()[-3000:]
    assert server.embedded_db_pids() == []


async def test_data_survives_a_restart_and_sigterm_stops_cleanly(launch: Launch, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = await launch(data_dir)
    db_pids = first.embedded_db_pids()
    assert len(db_pids) == 1, "the embedded nx-27017 child should be running"
    email = "durable@example.com"
    async with client(first) as http:
        resp = await http.post("/api/auth/register", json={"email": email, "password": "secret123"})
        assert resp.status == 200
        api_key = (await resp.json())["apiKey"]
        me_before = await (await http.get("/api/auth/me")).json()
        sid = http.cookie_jar.filter_cookies(URL(first.url))["connect.sid"].value
    assert (data_dir / "mongo").is_dir() and any((data_dir / "mongo").iterdir())

    first.process.send_signal(signal.SIGTERM)
    await assert_clean_exit(first)
    assert running(db_pids) == []

    second = await launch(data_dir)
    async with client(second) as http:
        resp = await http.post("/api/auth/login", json={"email": email, "password": "secret123"})
        assert resp.status == 200
        me_after = await (await http.get("/api/auth/me")).json()
        assert me_after == me_before
        keys = (await (await http.get("/api/user/keys")).json())["keys"]
        assert [(k["key"], k["is_active"]) for k in keys] == [(f"{api_key[:7]}…{api_key[-4:]}", True)]
    async with client(second) as bare:
        resp = await bare.get("/api/meetings", headers={"x-api-key": api_key})
        assert resp.status == 200 and await resp.json() == {"meetings": []}
        # The session from before the restart is durable too.
        resp = await bare.get("/api/auth/me", headers={"Cookie": f"connect.sid={sid}"})
        assert resp.status == 200 and (await resp.json())["email"] == email
        # ... and wrong credentials still fail: the restart did not loosen anything.
        resp = await bare.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
        assert resp.status == 401
    second.process.send_signal(signal.SIGTERM)
    await assert_clean_exit(second)


async def test_ctrl_c_stops_cleanly(launch: Launch, tmp_path: Path) -> None:
    server = await launch(tmp_path / "data")
    assert len(server.embedded_db_pids()) == 1
    # Ctrl-C in a terminal signals the whole foreground process group: the server and its child.
    os.killpg(server.process.pid, signal.SIGINT)
    await assert_clean_exit(server)


async def test_sigint_to_the_server_alone_stops_cleanly(launch: Launch, tmp_path: Path) -> None:
    server = await launch(tmp_path / "data")
    server.process.send_signal(signal.SIGINT)
    await assert_clean_exit(server)


def refuse(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server"], cwd=ROOT, capture_output=True, text=True, timeout=30,
        env=env_for(PORT=str(free_port()), DATA_DIR=str(tmp_path / "data"), **env),
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ENV": "production", "ADMIN_PASSWORD": "a-strong-admin-password"}, "SESSION_SECRET"),
        ({"ENV": "production", "SESSION_SECRET": STRONG_SECRET}, "ADMIN_PASSWORD"),
    ],
)
def test_production_refuses_to_start_without_secrets(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = refuse(tmp_path, **env)
    assert result.returncode != 0
    assert named in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NODE_ENV": "production", "ADMIN_PASSWORD": "a-strong-admin-password"}, "SESSION_SECRET"),
        ({"ENV": "production", "SESSION_SECRET": "short", "ADMIN_PASSWORD": "a-strong-admin-password"},
         "SESSION_SECRET"),
        ({"ENV": "production", "SESSION_SECRET": DEFAULT_SESSION_SECRET, "ADMIN_PASSWORD": "a-strong-password"},
         "SESSION_SECRET"),
        ({"NODE_ENV": "production", "SESSION_SECRET": STRONG_SECRET}, "ADMIN_PASSWORD"),
        ({"ENV": "production", "SESSION_SECRET": STRONG_SECRET, "ADMIN_PASSWORD": "Test321!"}, "ADMIN_PASSWORD"),
    ],
)
def test_production_settings_name_the_unsafe_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_development_starts_with_default_secrets() -> None:
    settings = Settings.from_env({})
    assert settings.production is False and settings.session_secret == DEFAULT_SESSION_SECRET
    production = Settings.from_env(
        {"ENV": "production", "SESSION_SECRET": STRONG_SECRET, "ADMIN_PASSWORD": "a-strong-admin-password"}
    )
    assert production.production is True


def test_production_warns_when_webhooks_may_reach_private_addresses() -> None:
    base = {"ENV": "production", "SESSION_SECRET": STRONG_SECRET, "ADMIN_PASSWORD": "a-strong-admin-password"}
    assert Settings.from_env(base).cautions() == []
    assert Settings.from_env({**base, "ENV": "", "WEBHOOK_ALLOW_PRIVATE": "true"}).cautions() == []
    [caution] = Settings.from_env({**base, "WEBHOOK_ALLOW_PRIVATE": "true"}).cautions()
    assert caution.startswith("WEBHOOK_ALLOW_PRIVATE=true in production")
