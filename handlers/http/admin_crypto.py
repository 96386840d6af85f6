"""/admin/api/crypto/*: the USDC watcher's configuration, the deposits it credited, and rescans."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from handlers.http.request import admin_caller, json_body, services, text_field
from server.usdc import ETH_ADDRESS, USDC
from server.usdc_rpc import redacted
from store.errors import InvalidInput
from store.mongo.database import iso
from store.rooms.billing import format_usd

routes = web.RouteTableDef()

URL_MAX = 2048
# Far beyond any chain's height, small enough for an int64 checkpoint.
BLOCK_MAX = 10**15
HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")


@routes.get("/admin/api/crypto/config")
async def config(request: web.Request) -> web.Response:
    await admin_caller(request)
    s = services(request)
    stored = await s.usdc.config()
    rpc_url = stored.get("rpc_url") or s.settings.eth_rpc_url
    checkpoint = await s.usdc.checkpoint()
    watcher = request.app[USDC].watcher
    return web.json_response({
        "platformWallet": stored.get("platform_wallet"),
        "rpcUrl": redacted(rpc_url) if rpc_url else None,
        "lastBlock": str(checkpoint if checkpoint is not None else 0),
        "monitorActive": watcher is not None and watcher.active,
        "confirmations": s.settings.usdc_confirmations,
        "contract": s.settings.usdc_contract,
    })


@routes.put("/admin/api/crypto/wallet")
async def set_wallet(request: web.Request) -> web.Response:
    await admin_caller(request)
    address = text_field(await json_body(request), "address", max_len=100) or ""
    if not ETH_ADDRESS.match(address):
        raise InvalidInput("Invalid Ethereum address (must be 0x + 40 hex chars)", code="invalid_address")
    await services(request).usdc.configure(platform_wallet=address)
    return web.json_response({"message": "Platform wallet updated", "address": address})


@routes.put("/admin/api/crypto/rpc")
async def set_rpc(request: web.Request) -> web.Response:
    await admin_caller(request)
    url = (text_field(await json_body(request), "url", max_len=URL_MAX) or "").strip()
    if not url:
        raise InvalidInput("url required", code="missing_fields")
    if not is_http_url(url):
        raise InvalidInput("Invalid URL format", code="invalid_url")
    await services(request).usdc.configure(rpc_url=url)
    return web.json_response({"message": "RPC URL updated"})


@routes.get("/admin/api/crypto/deposits")
async def deposits(request: web.Request) -> web.Response:
    await admin_caller(request)
    rows = await services(request).usdc.newest_deposits()
    return web.json_response({"deposits": [{
        "id": row["_id"], "amount_usd": format_usd(int(row["amount_micros"])), "tx_hash": row["tx_hash"],
        "wallet_address": row["wallet_address"], "status": row["status"], "created_at": iso(row["created_at"]),
        "user_email": row["user_email"], "company_name": row["company_name"],
    } for row in rows]})


@routes.post("/admin/api/crypto/rescan")
async def rescan(request: web.Request) -> web.Response:
    """Safe at any block: credits are keyed by (tx hash, log index), so re-read blocks credit nothing twice."""
    await admin_caller(request)
    block = (await json_body(request)).get("fromBlock")
    if isinstance(block, bool) or not isinstance(block, int) or not 0 <= block <= BLOCK_MAX:
        raise InvalidInput("fromBlock must be a non-negative integer", code="invalid_block")
    await services(request).usdc.reset(block - 1)
    return web.json_response({"message": f"Monitor checkpoint reset to block {block}"})


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host: the watcher POSTs JSON-RPC to it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and bool(HOST.match(parts.netloc.rsplit("@", 1)[-1]))
