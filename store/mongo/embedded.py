"""Launch the embedded MongoDB-wire server (nx-27017) as a child process.

One code path: the rest of the store only ever talks MongoDB wire protocol,
whether to this child or to a real server named by MONGODB_URL.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

LAUNCH = "import sys; from nx_27017.nx_27017 import main; sys.argv[0] = 'nx-27017'; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedMongo:
    """A child nx-27017 process on a free loopback port.

    ``data_dir=None`` runs it in memory (tests); otherwise its SQLite files,
    pid file and log live in ``data_dir``, so two instances never collide.
    """

    def __init__(self, data_dir: Path | None, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def command(self) -> list[str]:
        if self.data_dir is None:
            run_dir = Path(tempfile.gettempdir()) / f"slice-nx-{self.port}"
            db_args = ["--data-dir", "memory"]
        else:
            run_dir = self.data_dir
            db_args = ["--data-dir", str(self.data_dir / "mongo")]
            (self.data_dir / "mongo").mkdir(parents=True, exist_ok=True)
        run_dir.mkdir(parents=True, exist_ok=True)
        return [
            sys.executable, "-c", LAUNCH, *db_args,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--pid-file", str(run_dir / "nx-27017.pid"),
            "--log-file", str(run_dir / "nx-27017.log"),
        ]

    async def start(self, timeout: float = 20.0) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # Same process group as us on purpose: a Ctrl-C in a terminal
            # reaches the child too, and stop() reaps it either way.
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.process.returncode is not None:
                raise RuntimeError(f"nx-27017 exited with code {self.process.returncode} before answering")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                await writer.wait_closed()
                log.info("embedded database listening", extra={"port": self.port})
                return
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    await self.stop()
                    raise RuntimeError(f"nx-27017 did not answer on port {self.port} within {timeout}s") from None
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
