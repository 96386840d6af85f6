"""API keys, stored as SHA-256 hashes and found by hash.

Keys are 96 random bits, so a fast hash is enough: there is nothing to
brute-force that a slow hash would protect. The full key exists only in the
response that creates it.
"""
from __future__ import annotations

import secrets
from typing import Any

from pymongo import ReturnDocument

from store.digest import sha256_hex
from store.errors import InvalidInput, NotFound
from store.mongo.database import Database, utcnow

MAX_ACTIVE_KEYS = 5
KEY_PREFIX = "mk_"

ApiKey = dict[str, Any]


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_hex(12)


def masked(doc: ApiKey) -> str:
    return f"{KEY_PREFIX}{doc['head']}…{doc['tail']}"


class ApiKeys:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.keys = database.db.api_keys

    async def create_indexes(self) -> None:
        await self.keys.create_index("key_hash", unique=True)
        await self.keys.create_index("user_id")

    async def create(self, user_id: int, label: str) -> tuple[ApiKey, str]:
        """Returns the stored document and the raw key, which is never stored."""
        active = await self.keys.count_documents({"user_id": user_id, "is_active": True})
        if active >= MAX_ACTIVE_KEYS:
            raise InvalidInput(f"Maximum {MAX_ACTIVE_KEYS} active API keys per account", code="key_limit")
        raw = new_raw_key()
        doc: ApiKey = {
            "_id": await self.database.next_id("api_keys"),
            "user_id": user_id,
            "key_hash": sha256_hex(raw),
            "head": raw[3:7],
            "tail": raw[-4:],
            "label": label,
            "is_active": True,
            "created_at": utcnow(),
            "last_used_at": None,
        }
        await self.keys.insert_one(doc)
        return doc, raw

    async def list_for(self, user_id: int) -> list[ApiKey]:
        return [doc async for doc in self.keys.find({"user_id": user_id}).sort("_id", -1)]

    async def revoke(self, user_id: int, key_id: int) -> None:
        doc = await self.keys.find_one_and_update(
            {"_id": key_id, "user_id": user_id}, {"$set": {"is_active": False}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound("Key not found", code="key_not_found")

    async def find_active(self, raw: str) -> ApiKey | None:
        return await self.keys.find_one({"key_hash": sha256_hex(raw), "is_active": True})

    async def touch(self, key_id: int) -> None:
        # $currentDate, not $set: nx-27017 stores a top-level datetime given to $set as a string.
        await self.keys.update_one({"_id": key_id}, {"$currentDate": {"last_used_at": True}})

    async def revoke_any(self, key_id: int) -> bool:
        """The site admin's revoke: any user's key. False when there is no such key."""
        result = await self.keys.update_one({"_id": key_id}, {"$set": {"is_active": False}})
        return result.matched_count > 0

    async def revoke_all(self, user_id: int) -> None:
        await self.keys.update_many({"user_id": user_id}, {"$set": {"is_active": False}})
