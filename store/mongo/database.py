"""The MongoDB connection and the small helpers every collection module shares."""
from __future__ import annotations

from datetime import UTC, datetime

import pymongo
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

PING_TIMEOUT_S = 2.0


def utcnow() -> datetime:
    """Millisecond precision, like the wire format and MongoDB's own dates."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(value: datetime | str | None) -> str | None:
    """The contract's timestamp format: ISO 8601 UTC with milliseconds and Z.

    nx-27017 returns a date written by ``$set`` in an update as an ISO string, not a date.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Database:
    """Owns the client; collection modules take ``db.db`` and create their own indexes."""

    def __init__(self, url: str, name: str) -> None:
        self.client: AsyncMongoClient = AsyncMongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000
        )
        self.db: AsyncDatabase = self.client[name]

    async def ping(self) -> bool:
        """For health probes: a down database must answer "unavailable" quickly, not after server selection."""
        try:
            with pymongo.timeout(PING_TIMEOUT_S):
                await self.client.admin.command("ping")
            return True
        except Exception:
            return False

    async def next_id(self, sequence: str) -> int:
        """Integer ids, because the contract's JSON shows numbers (``"id": 42``)."""
        doc = await self.db.counters.find_one_and_update(
            {"_id": sequence}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert doc is not None  # upsert with ReturnDocument.AFTER always returns the document
        return int(doc["seq"])

    async def close(self) -> None:
        await self.client.close()
