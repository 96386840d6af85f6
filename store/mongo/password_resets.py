"""Password-reset tokens: 1 hour, single use, stored hashed."""
from __future__ import annotations

import secrets
from datetime import timedelta

from pymongo import ReturnDocument

from store.digest import sha256_hex
from store.mongo.database import Database, utcnow

RESET_TTL = timedelta(hours=1)



class PasswordResets:
    def __init__(self, database: Database) -> None:
        self.resets = database.db.password_resets

    async def create_indexes(self) -> None:
        await self.resets.create_index("user_id")

    async def issue(self, user_id: int) -> str:
        token = secrets.token_hex(32)
        now = utcnow()
        await self.resets.insert_one(
            {"_id": sha256_hex(token), "user_id": user_id, "created_at": now, "expires_at": now + RESET_TTL, "used": False}
        )
        return token

    async def valid_user(self, token: str) -> int | None:
        doc = await self.resets.find_one({"_id": sha256_hex(token), "used": False})
        if doc is None or doc["expires_at"] <= utcnow():
            return None
        return int(doc["user_id"])

    async def consume(self, token: str) -> int | None:
        """Atomically marks the token used; a second use (even concurrent) gets None."""
        doc = await self.resets.find_one_and_update(
            {"_id": sha256_hex(token), "used": False, "expires_at": {"$gt": utcnow()}},
            {"$set": {"used": True}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else int(doc["user_id"])
