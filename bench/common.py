"""Shared benchmark code: start a Slice, read /proc, percentiles, a light Socket.IO client, worker processes.

Every scenario follows the same shape:

* the main process starts ``python -m server`` on a free loopback port (embedded DB, temp DATA_DIR,
  request logging off, REST rate limits raised), waits for ``GET /health``, creates meetings over REST;
* the load runs in 1..N worker processes (``Pool``), which step through named checkpoints
  (``Ctl.sync``) so the main process can read the server's CPU and RSS from /proc at exactly
  the start and end of the measured phase;
* the main process prints ONE JSON line and stops the server.

The client is a minimal Engine.IO 4 / Socket.IO 5 client over aiohttp websockets (``SioClient``), not
python-socketio's ``AsyncClient``: one shared ``ClientSession``, no polling, no per-client tasks besides
the reader, so 10,000 of them fit in one process. It speaks exactly what a websocket-only socket.io-client
speaks: ``0{open}`` ← , ``40`` →, ``40{sid}`` ←, ``42[...]`` both ways, ``2``/``3`` ping/pong.
"""
from __future__ import annotations

import array
import asyncio
import atexit
import contextlib
import json
import multiprocessing as mp
import os
import platform
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
CLIENT_KIND = "raw Engine.IO 4 / Socket.IO 5 over aiohttp websockets (transport websocket only)"


# -- small helpers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_nofile() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (inherited by the server and the workers)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of unsorted values (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def ms(ns: float | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 2)


def latency_summary(samples_ns: Sequence[float], prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_p50_ms": ms(percentile(samples_ns, 50)),
        f"{prefix}_p99_ms": ms(percentile(samples_ns, 99)),
        f"{prefix}_max_ms": ms(max(samples_ns) if samples_ns else None),
        f"{prefix}_samples": len(samples_ns),
    }


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def emit_result(result: dict[str, Any]) -> None:
    print(json.dumps(result, separators=(", ", ": ")), flush=True)


# -- /proc readers ---------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()  # fields from 3 (state) on; comm may contain spaces


def cpu_ticks(pid: int) -> tuple[int, int]:
    """(utime+stime, cutime+cstime) of one process in clock ticks."""
    f = _stat_fields(pid)
    return int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(_stat_fields(int(entry))[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of a process (own + reaped children) and of its live descendants."""
    own, reaped = cpu_ticks(pid)
    kids = 0
    for child in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            mine, theirs = cpu_ticks(child)
            kids += mine + theirs
    return {"main": own / CLK_TCK, "children": (reaped + kids) / CLK_TCK, "total": (own + reaped + kids) / CLK_TCK}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kb(pid: int) -> dict[str, int]:
    kids = 0
    for child in descendants(pid):
        with contextlib.suppress(OSError):
            kids += rss_kb(child)
    return {"main": rss_kb(pid), "children": kids}


class Probe:
    """A CPU/RSS reading of the server tree at one moment."""

    def __init__(self, pid: int) -> None:
        self.t = time.monotonic()
        self.cpu = tree_cpu(pid)
        self.rss = tree_rss_kb(pid)

    def cpu_since(self, earlier: Probe) -> dict[str, float]:
        return {k: round(self.cpu[k] - earlier.cpu[k], 2) for k in self.cpu}


# -- the server under test ----------------------------------------------------------------


def server_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


class Server:
    """``python -m server`` on a free loopback port with its embedded DB in a temp DATA_DIR."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="slice-bench-"))
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90.0) -> Server:
        raise_nofile()
        env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URL", "REDIS_URL", "ENV", "NODE_ENV")}
        env.update(
            PORT=str(self.port), HOST="127.0.0.1", DATA_DIR=str(self.tmp / "data"), LOG_REQUESTS="false",
            RATE_LIMIT_API="1000000/minute", RATE_LIMIT_AUTH="100000/minute", RATE_LIMIT_GUEST="100000/minute",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        log = open(self.tmp / "server.log", "wb")  # noqa: SIM115 - closed with the process
        # BENCH_SERVER_PROFILE=out.prof runs the server under cProfile (written at its graceful exit).
        profile = os.environ.get("BENCH_SERVER_PROFILE")
        command = [server_python(), *(["-m", "cProfile", "-o", profile] if profile else []), "-m", "server"]
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                status, _ = http_json("GET", self.base + "/health", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer /health within {timeout}s: {self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return (self.tmp / "server.log").read_text(errors="replace")[-chars:]
        return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # graceful: the server stops its embedded DB child itself
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # our own session: the server and its DB child
                proc.wait(timeout=5)
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything of ours left in that session
        shutil.rmtree(self.tmp, ignore_errors=True)

    def probe(self) -> Probe:
        return Probe(self.pid)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- REST setup (synchronous: the main process never runs an event loop before forking) -----


def http_json(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
              timeout: float = 10.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json",
                                                                         **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")


def guest_meeting(base: str, title: str, max_participants: int | None = None) -> tuple[str, str]:
    """A guest meeting (no account), then PATCH maxParticipants (clamped 2..500 by the server)."""
    status, body = http_json("POST", base + "/api/meetings/guest", {"title": title})
    if status != 201:
        raise RuntimeError(f"guest meeting: {status} {body}")
    meeting_id, token = body["meetingId"], body["adminToken"]
    if max_participants is not None:
        status, body = http_json("PATCH", f"{base}/api/meetings/{meeting_id}/settings",
                                 {"maxParticipants": max_participants}, {"x-admin-token": token})
        if status != 200 or body["settings"]["maxParticipants"] != min(max_participants, 500):
            raise RuntimeError(f"PATCH settings: {status} {body}")
    return meeting_id, token


class WebhookReceiver:
    """A loopback HTTP receiver (threads) that answers 200 and counts what it is sent."""

    def __init__(self) -> None:
        import http.server
        import threading

        receiver = self
        self.count = 0
        self.last_at = 0.0
        self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.count += 1
                    receiver.last_at = time.monotonic()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def owned_meeting(base: str, title: str, max_participants: int, hook_url: str | None = None) -> tuple[str, str]:
    """An account's meeting (saved in MongoDB, unlike a guest meeting); with ``hook_url`` its owner
    has a webhook for participant.joined (needs WEBHOOK_ALLOW_PRIVATE=true on the server), so every
    join first writes its delivery to the outbox."""
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    req = urllib.request.Request(base + "/api/auth/register", method="POST",
                                 data=json.dumps({"email": email, "password": "bench-password"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        key = json.loads(resp.read())["apiKey"]
        cookie = resp.headers["Set-Cookie"].split(";", 1)[0]
    if hook_url is not None:
        status, body = http_json("POST", base + "/api/webhooks", {"url": hook_url, "events": ["participant.joined"]},
                                 {"Cookie": cookie})
        if status != 201:
            raise RuntimeError(f"webhook: {status} {body}")
    status, body = http_json("POST", base + "/api/meetings", {"title": title}, {"x-api-key": key})
    if status != 201:
        raise RuntimeError(f"meeting: {status} {body}")
    meeting_id, token = body["meetingId"], body["adminToken"]
    status, body = http_json("PATCH", f"{base}/api/meetings/{meeting_id}/settings",
                             {"maxParticipants": max_participants}, {"x-admin-token": token})
    if status != 200:
        raise RuntimeError(f"PATCH settings: {status} {body}")
    return meeting_id, token


# -- a light Socket.IO client ------------------------------------------------------------------


Handler = Callable[["SioClient", Any], Awaitable[None] | None]


class SioClient:
    """One websocket-only Socket.IO connection to the default namespace.

    Payloads are only JSON-decoded for events that have a handler or a waiter, so idle
    clients receiving ``participant:joined`` storms cost little.
    """

    __slots__ = ("ws", "sid", "handlers", "waiters", "closed_at", "close_reason", "reader", "tag", "errors")

    def __init__(self, tag: Any = None) -> None:
        self.ws: Any = None
        self.sid: str | None = None
        self.handlers: dict[str, Handler] = {}
        self.waiters: dict[str, list[asyncio.Future[Any]]] = {}
        self.closed_at: float | None = None
        self.close_reason: str | None = None
        self.reader: asyncio.Task[None] | None = None
        self.tag = tag
        self.errors: list[Any] = []

    async def connect(self, session: Any, base: str, timeout: float = 20.0) -> SioClient:
        url = base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await session.ws_connect(url, autoping=True, heartbeat=None, timeout=timeout, max_msg_size=0)
        opened = await asyncio.wait_for(self.ws.receive(), timeout)
        if not isinstance(opened.data, str) or not opened.data.startswith("0"):
            raise ConnectionError(f"unexpected Engine.IO open: {opened!r}")
        await self.ws.send_str("40")
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout)
            if not isinstance(msg.data, str):
                raise ConnectionError(f"closed during Socket.IO connect: {msg!r}")
            if msg.data == "2":
                await self.ws.send_str("3")
                continue
            if msg.data.startswith("40"):
                self.sid = json.loads(msg.data[2:]).get("sid") if len(msg.data) > 2 else None
                break
            raise ConnectionError(f"Socket.IO connect refused: {msg.data[:200]}")
        self.reader = asyncio.get_running_loop().create_task(self._read())
        return self

    def on(self, event: str, handler: Handler) -> None:
        self.handlers[event] = handler

    def wait(self, event: str) -> asyncio.Future[Any]:
        """A future for the next ``event`` (an ``error`` event also resolves it, as an exception)."""
        fut = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(event, []).append(fut)
        return fut

    async def emit(self, event: str, data: Any = None) -> None:
        body = [event] if data is None else [event, data]
        await self.ws.send_str("42" + json.dumps(body, separators=(",", ":")))

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader

    @property
    def alive(self) -> bool:
        return self.closed_at is None

    async def _read(self) -> None:
        ws = self.ws
        reason = "closed"
        try:
            while True:
                msg = await ws.receive()
                data = msg.data
                if not isinstance(data, str):
                    reason = f"ws {msg.type.name}"
                    break
                head = data[:2]
                if head == "42":
                    await self._event(data)
                elif data == "2":
                    await ws.send_str("3")
                elif head == "41":
                    reason = "server disconnect (41)"
                    break
                elif data.startswith("1"):
                    reason = "engine.io close (1)"
                    break
        except asyncio.CancelledError:
            reason = "cancelled"
            raise
        except Exception as exc:  # noqa: BLE001 - reported as the close reason
            reason = f"reader error: {exc!r}"
        finally:
            self.closed_at = time.monotonic()
            self.close_reason = reason
            for futs in self.waiters.values():
                for fut in futs:
                    if not fut.done():
                        fut.set_exception(ConnectionError(reason))
            self.waiters.clear()

    async def _event(self, data: str) -> None:
        # 42["name",payload] (the server sends no ack ids to clients here)
        start = data.find("[", 2)
        end = data.find('"', start + 2)
        name = data[start + 2:end]
        handler = self.handlers.get(name)
        waiters = self.waiters.get(name)
        if name == "error":
            payload = json.loads(data[start:])
            body = payload[1] if len(payload) > 1 else None
            self.errors.append(body)
            if handler is None:
                for futs in self.waiters.values():
                    for fut in futs:
                        if not fut.done():
                            fut.set_exception(SioError(body))
                self.waiters.clear()
                return
        if handler is None and not waiters:
            return
        payload = json.loads(data[start:])
        body = payload[1] if len(payload) > 1 else None
        if waiters:
            del self.waiters[name]
            for fut in waiters:
                if not fut.done():
                    fut.set_result(body)
        if handler is not None:
            result = handler(self, body)
            if result is not None:
                await result


class SioError(Exception):
    def __init__(self, body: Any) -> None:
        super().__init__(json.dumps(body))
        self.body = body


def client_session() -> Any:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=True)
    return aiohttp.ClientSession(connector=connector)


async def join(client: SioClient, meeting_id: str, name: str, timeout: float = 60.0, **extra: Any) -> tuple[Any, int]:
    """Emit join-meeting and wait for ``joined``; (payload, latency ns)."""
    fut = client.wait("joined")
    t0 = time.monotonic_ns()
    await client.emit("join-meeting", {"meetingId": meeting_id, "name": name, **extra})
    body = await asyncio.wait_for(fut, timeout)
    return body, time.monotonic_ns() - t0


def ns_array() -> array.array[int]:
    return array.array("q")


# -- worker processes ------------------------------------------------------------------------


class Ctl:
    """Worker side of a checkpoint: report a payload, block until the main process releases all."""

    def __init__(self, wid: int, up: Any, down: Any, deadline: float) -> None:
        self.wid, self.up, self.down, self.deadline = wid, up, down, deadline

    async def sync(self, label: str, payload: Any = None) -> Any:
        self.up.put((self.wid, label, payload))
        loop = asyncio.get_running_loop()
        remaining = max(1.0, self.deadline - time.monotonic())
        return await loop.run_in_executor(None, lambda: self.down.get(timeout=remaining))


WorkerFn = Callable[[Ctl, Any], Awaitable[Any]]


def _worker_main(fn: WorkerFn, wid: int, args: Any, up: Any, down: Any, deadline: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when we stop
    raise_nofile()
    try:
        result = asyncio.run(fn(Ctl(wid, up, down, deadline), args))
        up.put((wid, "result", result))
    except BaseException:  # noqa: BLE001 - sent to the main process
        up.put((wid, "error", traceback.format_exc()))


class Pool:
    """N worker processes (fork) stepping through checkpoints together."""

    def __init__(self, fn: WorkerFn, args_per_worker: Sequence[Any], deadline_s: float) -> None:
        ctx = mp.get_context("fork")
        self.n = len(args_per_worker)
        self.deadline = time.monotonic() + deadline_s
        self.up = ctx.Queue()
        self.downs = [ctx.Queue() for _ in range(self.n)]
        self.procs = [
            ctx.Process(target=_worker_main, args=(fn, i, a, self.up, self.downs[i], self.deadline), daemon=True)
            for i, a in enumerate(args_per_worker)
        ]

    def start(self) -> Pool:
        for proc in self.procs:
            proc.start()
        return self

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def gather(self, label: str) -> list[Any]:
        """Wait for every worker to reach ``label`` (or finish with "result"); payloads by worker id."""
        got: dict[int, Any] = {}
        while len(got) < self.n:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"workers did not all reach {label!r} before the deadline ({len(got)}/{self.n})")
            try:
                wid, what, payload = self.up.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    raise RuntimeError(f"worker died with exit code {dead[0].exitcode}") from None
                continue
            if what == "error":
                raise RuntimeError(f"worker {wid} failed:\n{payload}")
            if what != label:
                raise RuntimeError(f"worker {wid} reached {what!r}, expected {label!r}")
            got[wid] = payload
        return [got[i] for i in range(self.n)]

    def release(self, value: Any = None) -> None:
        for q in self.downs:
            q.put(value)

    def client_cpu(self) -> float:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, ValueError, IndexError):
                mine, theirs = cpu_ticks(pid)
                total += mine + theirs
        return total / CLK_TCK

    def close(self) -> None:
        for proc in self.procs:
            proc.join(timeout=5)
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    parts = max(1, parts)
    return [list(items[i::parts]) for i in range(parts)]


async def connect_all(session: Any, base: str, count: int, concurrency: int, make: Callable[[int], SioClient],
                      after: Callable[[SioClient], Awaitable[Any]] | None = None) -> tuple[list[SioClient], list[str]]:
    """Connect ``count`` clients with at most ``concurrency`` handshakes in flight."""
    sem = asyncio.Semaphore(concurrency)
    clients: list[SioClient | None] = [None] * count
    failures: list[str] = []

    async def one(i: int) -> None:
        async with sem:
            client = make(i)
            try:
                await client.connect(session, base)
                if after is not None:
                    await after(client)
                clients[i] = client
            except Exception as exc:  # noqa: BLE001 - counted
                failures.append(repr(exc)[:200])
                await client.close()

    await asyncio.gather(*(one(i) for i in range(count)))
    return [c for c in clients if c is not None], failures


def base_result(scenario: str, server: Server, workers: int) -> dict[str, Any]:
    return {"scenario": scenario, "date": now_iso(), "machine": machine(), "client": CLIENT_KIND,
            "client_workers": workers, "server_pid_tree": "python -m server + embedded nx-27017 child"}
