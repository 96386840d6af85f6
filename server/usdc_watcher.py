"""The USDC deposit watcher: polls an Ethereum node for Transfer logs to our deposit addresses.

Only blocks at least ``usdc_confirmations`` deep are read, so a transfer in a block that a re-org
removes is never seen at all, and nothing has to be taken back. Each transfer is credited once per
(tx hash, log index) through the ledger's idempotent key, *before* the block checkpoint moves: a
crash in between re-reads those blocks and credits nothing twice, and so does an admin rescan.

The head is read before the address list. A transfer in a block at or below that head was sent
to an address that was handed out earlier still, and an address is recorded before it is handed
out, so the list read afterwards contains it.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from server.settings import Settings
from server.usdc_rpc import EthRpc, RpcError, quantity, redacted
from store.mongo.accounts import Accounts
from store.mongo.ledger import Ledger
from store.mongo.usdc import UsdcStore
from store.rooms.billing import format_usd

log = logging.getLogger(__name__)

# keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
# Addresses per eth_getLogs call: providers cap the size of a topic list.
ADDRESS_CHUNK = 200
MAX_BACKOFF_SECONDS = 300.0
RPC_TIMEOUT_SECONDS = 10.0
TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
TOPIC = re.compile(r"^0x[0-9a-fA-F]{64}$")
# A credit must fit a MongoDB int64; USDC's 6 decimals are exactly micro-dollars.
MAX_MICROS = 2**63 - 1
LOG_INDEX_MAX = 2**31 - 1
"""A log's position in its block; a larger one is bogus and could not be stored (int64) anyway."""


def address_topic(address: str) -> str:
    """An address as an indexed event argument: left-padded to 32 bytes."""
    return "0x" + "0" * 24 + address[2:].lower()


@dataclass(frozen=True)
class Transfer:
    tx_hash: str
    log_index: int
    block_number: int
    to: str
    amount_micros: int


def transfer_of(entry: dict[str, Any], contract: str) -> Transfer | None:
    """A USDC Transfer from one eth_getLogs entry; None for anything else (a node's answer is input)."""
    topics = entry.get("topics")
    if entry.get("removed") or str(entry.get("address", "")).lower() != contract.lower():
        return None
    if not isinstance(topics, list) or len(topics) != 3 or not all(isinstance(t, str) and TOPIC.match(t) for t in topics):
        return None
    if topics[0].lower() != TRANSFER_TOPIC:
        return None
    tx_hash, data = entry.get("transactionHash"), entry.get("data")
    if not isinstance(tx_hash, str) or not TX_HASH.match(tx_hash) or not isinstance(data, str):
        return None
    try:
        amount = quantity(data, "data") if data != "0x" else 0
        log_index = quantity(entry.get("logIndex"), "logIndex")
        block = quantity(entry.get("blockNumber"), "blockNumber")
    except RpcError:
        return None
    if not 0 < amount <= MAX_MICROS or log_index > LOG_INDEX_MAX:
        return None
    return Transfer(tx_hash.lower(), log_index, block, "0x" + topics[2][-40:].lower(), amount)


class DepositWatcher:
    def __init__(self, settings: Settings, store: UsdcStore, ledger: Ledger, accounts: Accounts) -> None:
        self.settings = settings
        self.store = store
        self.ledger = ledger
        self.accounts = accounts
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        assert self._session is not None
        rpc = EthRpc(self._session, RPC_TIMEOUT_SECONDS)
        interval = self.settings.usdc_poll_seconds
        failures = 0
        while True:
            try:
                await self.poll(rpc)
                failures = 0
            except RpcError as exc:  # its text is URL-free by construction
                failures += 1
                log.warning("USDC watcher: node request failed", extra={"error": str(exc), "failures": failures})
            except Exception:
                failures += 1
                log.exception("USDC watcher: poll failed")
            await asyncio.sleep(min(interval * 2 ** min(failures, 16), max(interval, MAX_BACKOFF_SECONDS)))

    async def rpc_url(self) -> str:
        """The admin's RPC URL if one was set (read every poll), else ETH_RPC_URL."""
        configured = (await self.store.config()).get("rpc_url")
        url = configured or self.settings.eth_rpc_url
        assert url is not None  # the watcher runs only with ETH_RPC_URL set
        return str(url)

    async def poll(self, rpc: EthRpc) -> int:
        """Read every confirmed block past the checkpoint; returns how many transfers were credited."""
        s = self.settings
        url = await self.rpc_url()
        safe = await rpc.block_number(url) - s.usdc_confirmations
        checkpoint = await self.store.checkpoint()
        if checkpoint is None:
            checkpoint = await self.store.start_at(s.usdc_start_block - 1 if s.usdc_start_block is not None else safe)
            log.info("USDC watcher: first checkpoint", extra={"block": checkpoint, "node": redacted(url)})
        credited = 0
        while checkpoint < safe:
            to_block = min(safe, checkpoint + s.usdc_max_block_range)
            for transfer in await self._transfers(rpc, url, checkpoint + 1, to_block):
                credited += await self._credit(transfer)
            if not await self.store.advance(checkpoint, to_block):
                break  # an admin rescan moved the checkpoint: the next poll starts from there
            checkpoint = to_block
        return credited

    async def _transfers(self, rpc: EthRpc, url: str, from_block: int, to_block: int) -> list[Transfer]:
        addresses = await self.store.all_addresses()
        ours = set(addresses)
        found: dict[tuple[str, int], Transfer] = {}
        for start in range(0, len(addresses), ADDRESS_CHUNK):
            chunk = addresses[start:start + ADDRESS_CHUNK]
            log_filter = {
                "fromBlock": hex(max(from_block, 0)), "toBlock": hex(to_block), "address": self.settings.usdc_contract,
                "topics": [TRANSFER_TOPIC, None, [address_topic(a) for a in chunk]],
            }
            for entry in await rpc.logs(url, log_filter):
                transfer = transfer_of(entry, self.settings.usdc_contract)
                if transfer and transfer.to in ours and from_block <= transfer.block_number <= to_block:
                    found[(transfer.tx_hash, transfer.log_index)] = transfer
        return list(found.values())

    async def _holder(self, owner: dict[str, Any]) -> tuple[int, int | None] | None:
        """Whose balance a deposit lands on now: a company address's company; a personal address's
        user, or the company that user has joined since (where their balance went); None once the
        user is deleted (the deposit is recorded as unclaimed, for the admin)."""
        if owner["company_id"] is not None:
            return owner["user_id"], owner["company_id"]
        user = await self.accounts.get(owner["user_id"])
        return None if user is None else (owner["user_id"], user.get("company_id"))

    async def _credit(self, transfer: Transfer) -> int:
        owner = await self.store.owner(transfer.to)
        if owner is None:
            return 0
        holder = await self._holder(owner)
        if holder is None:
            log.error("USDC deposit to a deleted account's address; not credited",
                      extra={"tx_hash": transfer.tx_hash, "log_index": transfer.log_index})
            await self.store.record_deposit({
                "user_id": owner["user_id"], "company_id": None, "amount_micros": transfer.amount_micros,
                "tx_hash": transfer.tx_hash, "log_index": transfer.log_index, "wallet_address": owner["address"],
                "block_number": transfer.block_number, "status": "unclaimed",
            })
            return 0
        user_id, company_id = holder
        entry = await self.ledger.credit(
            user_id=user_id, company_id=company_id, amount_micros=transfer.amount_micros,
            type="usdc_deposit", key=f"usdc:{transfer.tx_hash}:{transfer.log_index}", reference_id=transfer.tx_hash,
            description=f"USDC deposit ${format_usd(transfer.amount_micros, places=2)} ({transfer.tx_hash[:10]}…)",
        )
        await self.store.record_deposit({
            "user_id": user_id, "company_id": company_id, "amount_micros": transfer.amount_micros,
            "tx_hash": transfer.tx_hash, "log_index": transfer.log_index, "wallet_address": owner["address"],
            "block_number": transfer.block_number, "status": "confirmed",
        })
        if entry is None:
            return 0
        log.info("USDC deposit credited", extra={
            "tx_hash": transfer.tx_hash, "log_index": transfer.log_index, "amount_micros": transfer.amount_micros,
            "user_id": user_id, "company_id": company_id,
        })
        return 1
