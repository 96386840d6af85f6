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

    # -- company membership (server/company.py holds the rules) ------------------------------------

    async def company_by_invite(self, invite_code: str) -> Company | None:
        return await self.companies.find_one({"invite_code": invite_code})

    async def join_company(
        self, user_id: int, company_id: int, *, balance_micros: int, transfer: dict[str, Any]
    ) -> bool:
        """Membership and the pending balance transfer in one conditional update: only a user still
        without a company, whose balance is still ``balance_micros``, joins. So two joins at once
        cannot both succeed, and the amount moved is exactly the balance at the moment of joining.
        ``transfer`` stays on the user until the ledger has moved it (see ``pending_join_transfers``)."""
        result = await self.users.update_one(
            {"_id": user_id, "company_id": {"$in": [None]}, "credits_micros": balance_micros},
            {"$set": {"company_id": company_id, "company_joined_at": utcnow(), "join_transfer": transfer}},
        )
        return result.modified_count == 1

    async def finish_join_transfer(self, user_id: int) -> None:
        await self.users.update_one({"_id": user_id}, {"$unset": {"join_transfer": ""}})

    async def pending_join_transfers(self) -> list[User]:
        """Users whose join was recorded but whose balance move may not have been (a crash in between)."""
        return [doc async for doc in self.users.find({"join_transfer": {"$exists": True}})]

    async def leave_company(self, user_id: int, company_id: int) -> bool:
        result = await self.users.update_one(
            {"_id": user_id, "company_id": company_id},
            {"$set": {"company_id": None, "company_joined_at": None}},
        )
        return result.modified_count == 1

    async def members(self, company_id: int, *, limit: int = 1000) -> list[User]:
        return [doc async for doc in self.users.find({"company_id": company_id}).limit(limit)]
