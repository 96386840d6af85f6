"""Users and companies."""
from __future__ import annotations

import secrets
from typing import Any

from pymongo.errors import DuplicateKeyError

from store.errors import Conflict
from store.mongo.database import Database, utcnow

User = dict[str, Any]
Company = dict[str, Any]


class Accounts:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.users = database.db.users
        self.companies = database.db.companies

    async def create_indexes(self) -> None:
        await self.users.create_index("email", unique=True)
        await self.users.create_index("company_id")
        await self.companies.create_index("invite_code", unique=True)

    async def create_user(
        self, email: str, password_hash: str, *, account_type: str = "personal",
        is_admin: bool = False, credits_micros: int = 0,
    ) -> User:
        if await self.users.find_one({"email": email}, {"_id": 1}):
            raise Conflict("Email already registered", code="email_taken")
        user: User = {
            "_id": await self.database.next_id("users"),
            "email": email,
            "password_hash": password_hash,
            "is_admin": is_admin,
            "is_active": True,
            "account_type": account_type,
            "company_id": None,
            "credits_micros": credits_micros,
            "plan": "free",
            "created_at": utcnow(),
        }
        try:
            await self.users.insert_one(user)
        except DuplicateKeyError:
            raise Conflict("Email already registered", code="email_taken") from None
        return user

    async def delete_user(self, user_id: int) -> None:
        await self.users.delete_one({"_id": user_id})

    async def get(self, user_id: int) -> User | None:
        return await self.users.find_one({"_id": user_id})

    async def by_email(self, email: str) -> User | None:
        return await self.users.find_one({"email": email})

    async def set_password(self, user_id: int, password_hash: str) -> None:
        await self.users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})

    async def create_company(self, name: str, owner_id: int) -> Company:
        company: Company = {
            "_id": await self.database.next_id("companies"),
            "name": name,
            "owner_id": owner_id,
            "credits_micros": 0,
            "plan": "free",
            "invite_code": secrets.token_urlsafe(9),
            "created_at": utcnow(),
        }
        await self.companies.insert_one(company)
        await self.users.update_one({"_id": owner_id}, {"$set": {"company_id": company["_id"]}})
        return company

    async def company(self, company_id: int | None) -> Company | None:
        if company_id is None:
            return None
        return await self.companies.find_one({"_id": company_id})
