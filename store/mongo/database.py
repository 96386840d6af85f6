"""The MongoDB connection and the small helpers every collection module shares."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pymongo
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
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


async def newest_first(
    collection: AsyncCollection, scope: dict[str, Any], *, time_field: str, limit: int, before: int | None = None
) -> list[dict[str, Any]]:
    """One page of ``scope``'s documents, newest first by (``time_field``, integer ``_id``); ``before`` is the
    ``_id`` of the previous page's last document. Exact even when many share a millisecond.

    nx-27017 sorts integer ``_id`` values as text, and ids are not in time order anyway (an id is drawn
    before its time is taken). So the database sorts by time only, the page's oldest millisecond is read
    whole and ties are broken by id here; the cursor is the ``before`` document's (time, id). An unknown
    ``before`` pages by id alone. Scopes use ``{"$in": [None]}`` for a null field: nx-27017 drops every
    match when a plain ``None`` is combined with a range.
    """
    found: dict[int, dict[str, Any]] = {}
    older: dict[str, Any] = dict(scope)
    if before is not None:
        cursor = await collection.find_one({**scope, "_id": before}, {time_field: 1})
        if cursor is None:
            scope = {**scope, "_id": {"$lt": before}}
            older = dict(scope)
        else:
            async for doc in collection.find({**scope, time_field: cursor[time_field], "_id": {"$lt": before}}):
                found[doc["_id"]] = doc
            older = {**scope, time_field: {"$lt": cursor[time_field]}}
    page = [doc async for doc in collection.find(older).sort(time_field, -1).limit(limit)]
    for doc in page:
        found[doc["_id"]] = doc
    if page:
        oldest = min(doc[time_field] for doc in page)
        async for doc in collection.find({**scope, time_field: oldest}):
            found[doc["_id"]] = doc
    ordered = sorted(found.values(), key=lambda doc: (doc[time_field], doc["_id"]), reverse=True)
    return ordered[:limit]


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
