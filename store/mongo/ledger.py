"""The credit ledger: every change of a balance is one entry, and balances are integer micro-dollars."""
from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from store.mongo.database import Database, newest_first, utcnow
from store.mongo.site_settings import SiteSettings
from store.rooms.billing import format_usd

__all__ = ["APPLIED_ENTRIES_KEPT", "Ledger", "format_usd"]

# How many of its newest applied entry ids an account remembers. The list only has to outlast an
# apply that read an entry as unapplied and then stalled (see ``apply``); a thousand later entries
# to the same account is far beyond any such stall, and the list stays at 8.9 KB of BSON
# (1,000 integer ids, measured with bson.encode).
APPLIED_ENTRIES_KEPT = 1000


class Ledger:
    def __init__(self, database: Database, site_settings: SiteSettings | None = None) -> None:
        self.database = database
        self.entries = database.db.credit_transactions
        self.users = database.db.users
        self.companies = database.db.companies
        self.site_settings = site_settings

    async def create_indexes(self) -> None:
        await self.entries.create_index("key", unique=True, sparse=True)
        await self.entries.create_index([("user_id", 1), ("created_at", -1)])
        await self.entries.create_index([("company_id", 1), ("created_at", -1)])

    async def credit(
        self, *, user_id: int | None, company_id: int | None, amount_micros: int, type: str,
        description: str, key: str | None = None, reference_id: str | None = None,
    ) -> dict[str, Any] | None:
        """Write the entry first (unique ``key`` makes it idempotent), then move the balance.

        Returns the entry when this call moved the balance, else None: the change was made before
        (or by a concurrent call with the same key, or the account no longer exists). A repeat of
        a call whose entry was written but not applied (the database failed in between) applies
        it now, so a retry never leaves the money unmoved until the next start-up.
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
            existing = await self.entries.find_one({"key": key})
            if existing is None or existing.get("applied"):
                return None
            entry = existing
        if not await self.apply(entry):
            return None
        if entry["amount_micros"] > 0:
            await self.rearm_low_balance_alert(user_id=entry["user_id"], company_id=entry["company_id"])
        return entry

    async def apply(self, entry: dict[str, Any]) -> bool:
        """Move the balance once per entry: the account remembers which entries it applied,
        so a crash anywhere in here is repaired by applying again, never twice. True when this
        call moved it (concurrent applies of one entry: exactly one).

        The account keeps only its newest ``APPLIED_ENTRIES_KEPT`` ids (``$slice``): an entry is
        marked ``applied`` right after, and neither ``credit`` nor ``repair`` applies an entry so
        marked, so only a call that read the entry before that mark and then waited through a
        thousand newer entries of the same account could find its id gone."""
        target, target_id = self._account(entry["user_id"], entry["company_id"])
        result = await target.update_one(
            # $nin rather than $ne: nx-27017 does not match $ne against a missing field.
            {"_id": target_id, "applied_entries": {"$nin": [entry["_id"]]}},
            {
                "$inc": {"credits_micros": entry["amount_micros"]},
                "$push": {"applied_entries": {"$each": [entry["_id"]], "$slice": -APPLIED_ENTRIES_KEPT}},
            },
        )
        await self.entries.update_one({"_id": entry["_id"]}, {"$set": {"applied": True}})
        return result.modified_count == 1

    async def repair(self) -> int:
        """Apply entries written before a crash that stopped between the two steps, and rearm the
        low-balance alert a credit among them would have rearmed."""
        pending = [doc async for doc in self.entries.find({"applied": {"$in": [False, 0]}})]
        for entry in pending:
            await self.apply(entry)
            if entry["amount_micros"] > 0:
                await self.rearm_low_balance_alert(user_id=entry["user_id"], company_id=entry["company_id"])
        return len(pending)

    # -- balances and reads (billing history, company members, low-balance alerts) ------------------

    def _account(self, user_id: int | None, company_id: int | None) -> tuple[Any, int | None]:
        """The document that holds the balance: the company's when there is one, else the user's."""
        return (self.companies, company_id) if company_id is not None else (self.users, user_id)

    async def balance(self, *, user_id: int | None, company_id: int | None) -> int:
        collection, account_id = self._account(user_id, company_id)
        doc = await collection.find_one({"_id": account_id}, {"credits_micros": 1}) if account_id is not None else None
        return int(doc.get("credits_micros", 0)) if doc else 0

    async def history(
        self, *, user_id: int, company_id: int | None, limit: int, before: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first by (created_at, id): the company's entries for a member, else the user's
        own (not a company's). ``before`` is the id of the last entry of the previous page."""
        scope: dict[str, Any] = (
            {"company_id": company_id} if company_id is not None else {"user_id": user_id, "company_id": {"$in": [None]}}
        )
        return await newest_first(self.entries, scope, time_field="created_at", limit=limit, before=before)

    async def charges_by_member(self, company_id: int) -> dict[int, int]:
        """Meeting charges to the company per creating user, in micro-dollars (positive)."""
        used: dict[int, int] = {}
        async for doc in self.entries.find(
            {"company_id": company_id, "type": "meeting_charge"}, {"user_id": 1, "amount_micros": 1}
        ):
            if doc.get("user_id") is not None:
                used[doc["user_id"]] = used.get(doc["user_id"], 0) - int(doc["amount_micros"])
        return used

    async def claim_low_balance_alert(self, *, user_id: int | None, company_id: int | None, below_micros: int) -> bool:
        """True for exactly one caller per fall below the threshold (a conditional update, so
        concurrent charges send one mail); ``rearm_low_balance_alert`` allows the next one. The
        balance is checked in the same update: a top-up landing since the caller read it wins."""
        collection, account_id = self._account(user_id, company_id)
        result = await collection.update_one(
            # $nin: nx-27017 stores a $set boolean as 1/0, and $ne does not match a missing field.
            {"_id": account_id, "low_balance_alerted": {"$nin": [True, 1]}, "credits_micros": {"$lt": below_micros}},
            {"$set": {"low_balance_alerted": True}},
        )
        return result.modified_count == 1

    async def rearm_low_balance_alert(self, *, user_id: int | None, company_id: int | None) -> None:
        """After any credit: a balance back at or over the threshold may be alerted again. The one
        place the flag is cleared, so top-ups, grants, deposits and merges all rearm it."""
        if self.site_settings is None:
            return
        threshold = int(await self.site_settings.get("low_balance_threshold_micros"))
        collection, account_id = self._account(user_id, company_id)
        await collection.update_one(
            {"_id": account_id, "low_balance_alerted": {"$in": [True, 1]}, "credits_micros": {"$gte": threshold}},
            {"$set": {"low_balance_alerted": False}},
        )
