"""The two Ethereum JSON-RPC calls the deposit watcher makes, over aiohttp.

RPC URLs often carry a provider API key in the path or query, so nothing here puts the URL, or an
aiohttp error (whose text includes it), into a message: errors name the host only.
"""
from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
BLOCK_MAX = 10**15
"""Far beyond any chain's height: a node claiming more is wrong, not ahead."""


class RpcError(Exception):
    """The node did not answer usefully; the message is safe to log."""


def redacted(url: str) -> str:
    """``scheme://host[:port]``: enough to tell which node, never the key in its path or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid url)"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else "(invalid url)"


async def _body(resp: aiohttp.ClientResponse, where: str) -> bytes:
    """The whole answer, refused past the cap (``content.read(n)`` returns only what has arrived)."""
    raw = bytearray()
    async for chunk in resp.content.iter_chunked(64 * 1024):
        raw += chunk
        if len(raw) > MAX_RESPONSE_BYTES:
            raise RpcError(f"{where}: answer too large")
    return bytes(raw)


class EthRpc:
    def __init__(self, session: aiohttp.ClientSession, timeout_seconds: float = 10.0) -> None:
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.ids = itertools.count(1)

    async def call(self, url: str, method: str, params: list[Any]) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(self.ids), "method": method, "params": params}
        where = f"{method} at {redacted(url)}"
        try:
            # No redirects: the configured URL is the node; a 3xx is an error, not a hop elsewhere.
            async with self.session.post(url, json=payload, timeout=self.timeout, allow_redirects=False) as resp:
                if resp.status != 200:
                    raise RpcError(f"{where}: HTTP {resp.status}")
                raw = await _body(resp, where)
        except RpcError:
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RpcError(f"{where}: {type(exc).__name__}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            raise RpcError(f"{where}: not JSON") from None
        if not isinstance(body, dict):
            raise RpcError(f"{where}: not a JSON-RPC answer")
        if body.get("error") is not None:
            error = body["error"]
            code = error.get("code") if isinstance(error, dict) else None
            if not isinstance(code, int) or isinstance(code, bool) or abs(code) > 2**31:
                code = None  # the node's text is not ours to log (it may echo the URL's key, or be huge)
            raise RpcError(f"{where}: JSON-RPC error {code}")
        if "result" not in body:
            raise RpcError(f"{where}: no result")
        return body["result"]

    async def block_number(self, url: str) -> int:
        result = await self.call(url, "eth_blockNumber", [])
        height = quantity(result, "eth_blockNumber")
        if height > BLOCK_MAX:
            raise RpcError("eth_blockNumber: absurd block height")  # would walk the checkpoint past the chain
        return height

    async def logs(self, url: str, log_filter: dict[str, Any]) -> list[dict[str, Any]]:
        result = await self.call(url, "eth_getLogs", [log_filter])
        if not isinstance(result, list):
            raise RpcError("eth_getLogs: result is not a list")
        return [entry for entry in result if isinstance(entry, dict)]


def quantity(value: Any, what: str) -> int:
    """A JSON-RPC QUANTITY (``0x``-prefixed hex) as an int."""
    if not isinstance(value, str) or not value.startswith("0x") or not 2 < len(value) <= 66:
        raise RpcError(f"{what}: not a hex quantity")
    try:
        return int(value, 16)
    except ValueError:
        raise RpcError(f"{what}: not a hex quantity") from None

