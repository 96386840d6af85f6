"""The credit ledger: every change of a balance is one entry, and balances are integer micro-dollars."""
from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from store.mongo.database import Database, utcnow
from store.rooms.billing import format_usd

__all__ = ["Ledger", "format_usd"]


class Ledger:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.entries = database.db.credit_transactions
        self.users = database.db.users
        self.companies = database.db.companies

    async def create_indexes(self) -> None:
        await self.entries.create_index("key", unique=True, sparse=True)
        await self.entries.create_index([("user_id", 1), ("created_at", -1)])
        await self.entries.create_index([("company_id", 1), ("created_at", -1)])

    async def credit(
        self, *, user_id: int | None, company_id: int | None, amount_micros: int, type: str,
        description: str, key: str | None = None, reference_id: str | None = None,
    ) -> dict[str, Any] | None:
        """Write the entry first (unique ``key`` makes it idempotent), then move the balance.

        Returns None when an entry with this key already exists: the change was applied before.
        """
        entry: dict[str, Any] = {
            "_id": await self.database.next_id("credit_transactions"),
            "user_id": user_id,
            "company_id": company_id,
            "amount_micros": amount_micros,
            "type": type,
            "description": description,
            "reference_id": reference_id,
            "created_at": utcnow(),
            "applied": False,
        }
        if key is not None:
            entry["key"] = key
        try:
            await self.entries.insert_one(entry)
        except DuplicateKeyError:
            return None
        await self.apply(entry)
        return entry

    async def apply(self, entry: dict[str, Any]) -> None:
        """Move the balance once per entry: the account remembers which entries it applied,
        so a crash anywhere in here is repaired by applying again, never twice."""
        target = self.companies if entry["company_id"] is not None else self.users
        target_id = entry["company_id"] if entry["company_id"] is not None else entry["user_id"]
        await target.update_one(
            # $nin rather than $ne: nx-27017 does not match $ne against a missing field.
            {"_id": target_id, "applied_entries": {"$nin": [entry["_id"]]}},
            {"$inc": {"credits_micros": entry["amount_micros"]}, "$push": {"applied_entries": entry["_id"]}},
        )
        await self.entries.update_one({"_id": entry["_id"]}, {"$set": {"applied": True}})

    async def repair(self) -> int:
        """Apply entries written before a crash that stopped between the two steps."""
        pending = [doc async for doc in self.entries.find({"applied": False})]
        for entry in pending:
            await self.apply(entry)
        return len(pending)
