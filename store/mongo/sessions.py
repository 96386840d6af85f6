"""Login sessions. The cookie holds a random id; the database holds its hash."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from store.digest import sha256_hex
from store.mongo.database import Database, utcnow

SESSION_TTL = timedelta(days=7)

Session = dict[str, Any]



class Sessions:
    def __init__(self, database: Database) -> None:
        self.sessions = database.db.sessions

    async def create_indexes(self) -> None:
        await self.sessions.create_index("user_id")
        await self.sessions.create_index("expires_at")

    async def create(self, user_id: int) -> str:
        """A fresh id at every login, so a planted cookie never becomes a live session."""
        sid = secrets.token_urlsafe(32)
        now = utcnow()
        await self.sessions.insert_one(
            {"_id": sha256_hex(sid), "user_id": user_id, "created_at": now, "expires_at": now + SESSION_TTL}
        )
        return sid

    async def user_id(self, sid: str) -> int | None:
        doc = await self.sessions.find_one({"_id": sha256_hex(sid)})
        if doc is None:
            return None
        if doc["expires_at"] <= utcnow():
            await self.sessions.delete_one({"_id": doc["_id"]})
            return None
        return int(doc["user_id"])

    async def destroy(self, sid: str) -> None:
        await self.sessions.delete_one({"_id": sha256_hex(sid)})

    async def destroy_all(self, user_id: int, *, keep: str | None = None) -> None:
        query: dict[str, Any] = {"user_id": user_id}
        if keep is not None:
            query["_id"] = {"$ne": sha256_hex(keep)}
        await self.sessions.delete_many(query)
