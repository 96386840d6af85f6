"""USDC deposits: which deposit address belongs to whom, the deposits seen, and the watcher's state.

``usdc_addresses`` maps a lowercase address to its account in one lookup (the watcher's question);
``usdc_deposits`` is the record the admin sees (the ledger entry is the money); ``crypto_state``
holds the watcher's block checkpoint and the admin's crypto configuration.
"""
from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from store.mongo.database import Database, utcnow

WATCHER = "usdc_watcher"
CONFIG = "config"


class UsdcStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.addresses = database.db.usdc_addresses
        self.deposits = database.db.usdc_deposits
        self.state = database.db.crypto_state
        self.users = database.db.users
        self.companies = database.db.companies

    async def create_indexes(self) -> None:
        await self.deposits.create_index([("tx_hash", 1), ("log_index", 1)], unique=True)
        await self.deposits.create_index([("created_at", -1)])

    # -- deposit addresses ---------------------------------------------------------------------------

    def _owners(self, company_id: int | None) -> Any:
        return self.companies if company_id is not None else self.users

    async def address_of(self, *, user_id: int, company_id: int | None) -> str | None:
        """The account's deposit address: the company's when the user is in one, else the user's."""
        owner = company_id if company_id is not None else user_id
        doc = await self._owners(company_id).find_one({"_id": owner}, {"deposit_address": 1})
        return doc.get("deposit_address") if doc else None

    async def remember(self, address: str, index: int, *, user_id: int | None, company_id: int | None) -> None:
        """Written before the address is offered to anyone, so the watcher never meets an unknown one."""
        await self.addresses.insert_one(
            {"_id": address.lower(), "address": address, "index": index, "user_id": user_id,
             "company_id": company_id, "created_at": utcnow()}
        )

    async def forget(self, address: str) -> None:
        await self.addresses.delete_one({"_id": address.lower()})

    async def claim(self, address: str, index: int, *, user_id: int, company_id: int | None) -> bool:
        """Give the account this address unless it already has one (a concurrent request won)."""
        owner = company_id if company_id is not None else user_id
        result = await self._owners(company_id).update_one(
            # ``None`` matches a missing field too.
            {"_id": owner, "deposit_address": None},
            {"$set": {"deposit_address": address, "deposit_index": index}},
        )
        return result.modified_count == 1

    async def owner(self, address: str) -> dict[str, Any] | None:
        return await self.addresses.find_one({"_id": address.lower()})

    async def all_addresses(self) -> list[str]:
        """Every deposit address, lowercase."""
        return [doc["_id"] async for doc in self.addresses.find({}, {"_id": 1})]

    # -- deposits ------------------------------------------------------------------------------------

    async def record_deposit(self, deposit: dict[str, Any]) -> bool:
        """Insert once per (tx_hash, log_index); False when it was recorded before."""
        if await self.deposits.find_one({"tx_hash": deposit["tx_hash"], "log_index": deposit["log_index"]}, {"_id": 1}):
            return False
        try:
            await self.deposits.insert_one(
                {"_id": await self.database.next_id("usdc_deposits"), **deposit, "created_at": utcnow()}
            )
        except DuplicateKeyError:
            return False
        return True

    async def newest_deposits(self, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first, each with ``user_email`` and ``company_name`` (None when not set or gone).

        Sorted by ``created_at`` in the database and by (created_at, id) here: nx-27017 sorts integer
        ``_id`` values as text."""
        rows = [doc async for doc in self.deposits.find({}).sort("created_at", -1).limit(limit)]
        rows.sort(key=lambda doc: (str(doc["created_at"]), doc["_id"]), reverse=True)
        user_ids = list({row["user_id"] for row in rows if row.get("user_id") is not None})
        company_ids = list({row["company_id"] for row in rows if row.get("company_id") is not None})
        emails = {doc["_id"]: doc["email"] async for doc in self.users.find({"_id": {"$in": user_ids}}, {"email": 1})}
        names = {doc["_id"]: doc["name"] async for doc in self.companies.find({"_id": {"$in": company_ids}}, {"name": 1})}
        return [{**row, "user_email": emails.get(row.get("user_id")), "company_name": names.get(row.get("company_id"))}
                for row in rows]

    # -- watcher checkpoint and admin configuration ------------------------------------------------------

    async def checkpoint(self) -> int | None:
        """The last block whose transfers were fully credited; None before the first run."""
        doc = await self.state.find_one({"_id": WATCHER})
        return None if doc is None or doc.get("last_block") is None else int(doc["last_block"])

    async def start_at(self, last_block: int) -> int:
        """Set the first checkpoint unless one exists; returns the one in force."""
        try:
            await self.state.insert_one({"_id": WATCHER, "last_block": last_block})
        except DuplicateKeyError:
            pass
        current = await self.checkpoint()
        return last_block if current is None else current

    async def advance(self, seen: int, last_block: int) -> bool:
        """Compare-and-set: an admin rescan that moved the checkpoint meanwhile wins over the watcher."""
        result = await self.state.update_one({"_id": WATCHER, "last_block": seen}, {"$set": {"last_block": last_block}})
        return result.modified_count == 1 or (result.matched_count == 1 and seen == last_block)

    async def reset(self, last_block: int) -> None:
        await self.state.update_one({"_id": WATCHER}, {"$set": {"last_block": last_block}}, upsert=True)

    async def config(self) -> dict[str, Any]:
        """``platform_wallet`` and ``rpc_url`` as the admin set them (absent: never set)."""
        return await self.state.find_one({"_id": CONFIG}) or {}

    async def configure(self, **values: str) -> None:
        await self.state.update_one({"_id": CONFIG}, {"$set": values}, upsert=True)
