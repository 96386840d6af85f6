"""Analytics events: written in batches, kept for a retention period, read by the admin dashboards.

Each event carries its day and ISO week as strings next to ``created_at``: nx-27017 can
``$group`` on one field but not on a computed or compound key, so the keys the dashboards
group by are stored ready-made.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from store.mongo.database import Database

Event = dict[str, Any]
SCAN_MAX = 20_000
"""The most documents a Python-side grouping reads; dashboards are approximate past it."""


def week_of(moment: datetime) -> str:
    """The Monday (UTC date) that starts the moment's week."""
    return (moment - timedelta(days=moment.weekday())).strftime("%Y-%m-%d")


class AnalyticsStore:
    def __init__(self, database: Database, retention_days: int) -> None:
        self.events = database.db.analytics_events
        self.retention_seconds = max(1, retention_days) * 86_400

    async def create_indexes(self) -> None:
        await self.events.create_index("created_at", expireAfterSeconds=self.retention_seconds)
        await self.events.create_index([("family", 1), ("created_at", -1)])
        await self.events.create_index([("event_type", 1), ("created_at", -1)])

    async def insert(self, batch: Sequence[Event]) -> None:
        # Copies: insert_many adds ``_id`` to the documents it is given, and a failed batch is retried.
        await self.events.insert_many([dict(event) for event in batch], ordered=False)

    async def grouped(self, match: dict[str, Any], by: str, *, sets: Sequence[str] = ()) -> list[dict[str, Any]]:
        """``{_id: <by>, count, <field>: [distinct values]}`` per value of one stored field."""
        group: dict[str, Any] = {"_id": f"${by}", "count": {"$sum": 1}}
        for name in sets:
            group[name] = {"$addToSet": f"${name}"}
        return [row async for row in await self.events.aggregate([{"$match": match}, {"$group": group}])]

    async def count(self, match: dict[str, Any]) -> int:
        rows = await self.grouped(match, "family")
        return sum(int(row["count"]) for row in rows)

    async def scan(self, match: dict[str, Any], fields: Sequence[str]) -> list[Event]:
        """The newest matching events (at most ``SCAN_MAX``), only the given fields."""
        projection = {name: 1 for name in fields} | {"_id": 0}
        cursor = self.events.find(match, projection).sort("created_at", -1).limit(SCAN_MAX)
        return [doc async for doc in cursor]
