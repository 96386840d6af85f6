"""Recorded files (``recordings``): one row per participant track of a meeting's recording; the
bytes live under ``DATA_DIR/recordings/<recording id>/<file id>.<format>``.

The meeting's owner (user and company) is copied onto each row, so the files stay reachable to
their tenant after the meeting has ended and left memory. Times are epoch milliseconds (the
retention sweep compares them; nx-27017 returns some dates as strings).
"""
from __future__ import annotations

from typing import Any

from store.mongo.database import Database

RecordingRow = dict[str, Any]


class RecordingStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.rows = database.db.recordings

    async def create_indexes(self) -> None:
        await self.rows.create_index("meeting_id")
        await self.rows.create_index("ended_at_ms")

    async def add(self, rows: list[RecordingRow]) -> None:
        if rows:
            await self.rows.insert_many(rows)

    async def get(self, file_id: str) -> RecordingRow | None:
        return await self.rows.find_one({"_id": file_id})

    async def of_meeting(self, meeting_id: str) -> list[RecordingRow]:
        """In recording order, then by when each track started."""
        rows = await self.rows.find({"meeting_id": meeting_id}).to_list(None)
        return sorted(rows, key=lambda row: (row["recording_started_at_ms"], row["started_at_ms"], row["_id"]))

    async def ended_before(self, cutoff_ms: int, limit: int = 500) -> list[RecordingRow]:
        return await self.rows.find({"ended_at_ms": {"$lt": cutoff_ms}}).limit(limit).to_list(None)

    async def delete(self, file_id: str) -> bool:
        result = await self.rows.delete_one({"_id": file_id})
        return result.deleted_count == 1

    async def count_download(self, file_id: str) -> None:
        await self.rows.update_one({"_id": file_id}, {"$inc": {"download_count": 1}})
