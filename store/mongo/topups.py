"""Stripe top-ups (``stripe_topups``): one row per Checkout session, pending until Stripe confirms payment.

The admin page (/admin/api/billing/stripe) reads these field names; keep them.
"""
from __future__ import annotations

from typing import Any

from store.mongo.database import Database, utcnow

Topup = dict[str, Any]


class StripeTopups:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.topups = database.db.stripe_topups

    async def create_indexes(self) -> None:
        await self.topups.create_index("session_id", unique=True)
        await self.topups.create_index("user_id")
        await self.topups.create_index("company_id")

    async def add_pending(self, *, user_id: int, company_id: int | None, amount_micros: int, session_id: str) -> Topup:
        row: Topup = {
            "_id": await self.database.next_id("stripe_topups"),
            "user_id": user_id,
            "company_id": company_id,
            "amount_micros": amount_micros,
            "session_id": session_id,
            "status": "pending",
            "created_at": utcnow(),
            "completed_at": None,
        }
        await self.topups.insert_one(row)
        return row

    async def by_session(self, session_id: str) -> Topup | None:
        return await self.topups.find_one({"session_id": session_id})

    async def complete(self, session_id: str, *, company_id: int | None) -> None:
        """Pending (or failed: a paid event wins over a failure delivered before it) → completed,
        with the company actually credited; a row already completed (a duplicate) stays as it is."""
        await self.topups.update_one(
            {"session_id": session_id, "status": {"$in": ["pending", "failed"]}},
            {"$set": {"status": "completed", "completed_at": utcnow(), "company_id": company_id}},
        )

    async def fail(self, session_id: str) -> None:
        """Only a pending row fails: a failure delivered after the payment never hides a credit."""
        await self.topups.update_one({"session_id": session_id, "status": "pending"}, {"$set": {"status": "failed"}})

    async def record_completed(
        self, *, user_id: int, company_id: int | None, amount_micros: int, session_id: str
    ) -> None:
        """A paid session we have no row for (the row insert failed after Stripe created the session):
        keep a completed row so the admin page still lists the payment."""
        now = utcnow()
        # update_one, not find_one_and_update: nx-27017 ignores $setOnInsert in the latter.
        await self.topups.update_one(
            {"session_id": session_id},
            {"$setOnInsert": {
                "_id": await self.database.next_id("stripe_topups"), "user_id": user_id, "company_id": company_id,
                "amount_micros": amount_micros, "status": "completed", "created_at": now, "completed_at": now,
            }},
            upsert=True,
        )
