"""Durable meetings: live ones (active and scheduled, reloaded after a restart) and the history log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from store.mongo.database import Database, newest_first, utcnow


class MeetingStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.live = database.db.meetings
        self.log = database.db.meetings_log

    async def create_indexes(self) -> None:
        await self.live.create_index("state.status")
        await self.log.create_index("meeting_id", unique=True)
        await self.log.create_index([("user_id", 1), ("started_at", -1)])
        await self.log.create_index([("company_id", 1), ("started_at", -1)])

    # Live meetings: the registry's own snapshot (Meeting.to_doc()), one document per meeting.

    async def save(self, meeting_id: str, state: dict[str, Any]) -> None:
        await self.live.replace_one({"_id": meeting_id}, {"_id": meeting_id, "state": state}, upsert=True)

    async def delete(self, meeting_id: str) -> None:
        await self.live.delete_one({"_id": meeting_id})

    async def all_live(self) -> list[dict[str, Any]]:
        return [doc["state"] async for doc in self.live.find({})]

    # History: one row per billed meeting, written when it starts and completed when it ends.

    async def log_start(
        self, meeting_id: str, title: str, user_id: int | None, company_id: int | None, started_at: datetime
    ) -> None:
        row = {
            "_id": await self.database.next_id("meetings_log"),
            "meeting_id": meeting_id, "title": title, "user_id": user_id, "company_id": company_id,
            "started_at": started_at, "ended_at": None, "peak_participants": 0,
            "duration_centiminutes": None, "cost_micros": 0,
        }
        try:
            await self.log.insert_one(row)
        except DuplicateKeyError:
            pass  # already logged (a restart re-ran activation)

    async def log_end(
        self, meeting_id: str, *, ended_at: datetime, peak: int, duration_centiminutes: int, cost_micros: int
    ) -> dict[str, Any] | None:
        return await self.log.find_one_and_update(
            {"meeting_id": meeting_id},
            {"$set": {"ended_at": ended_at, "peak_participants": peak,
                      "duration_centiminutes": duration_centiminutes, "cost_micros": cost_micros}},
            return_document=ReturnDocument.AFTER,
        )

    async def history(
        self, user_id: int, company_id: int | None, limit: int = 50, before: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first: the company's meetings for a member, else the user's personal ones (not those of a
        company they have left). ``before``: the id of the previous page's last row."""
        scope: dict[str, Any] = (
            {"company_id": company_id} if company_id is not None else {"user_id": user_id, "company_id": {"$in": [None]}}
        )
        return await newest_first(self.log, scope, time_field="started_at", limit=limit, before=before)

    async def owned_by(self, meeting_id: str) -> dict[str, Any] | None:
        return await self.log.find_one({"meeting_id": meeting_id})


__all__ = ["MeetingStore", "utcnow"]
