"""Site administration rules: accounts (disable, promote, delete), keys, grants, companies.

Every change that takes access away (disable, delete) takes it away everywhere at
once: sessions are ended, keys revoked (on delete) and live sockets closed; the
per-request checks in ``handlers/http/request.py`` read ``is_active`` each time.
"""
from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import socketio

from server.accounts import normalise_email
from server.services import Services
from server.site_settings_rules import PLAIN_NUMBER
from store.errors import Conflict, InvalidInput, NotFound
from store.mongo.api_keys import masked
from store.mongo.database import iso
from store.rooms.billing import MICROS_PER_USD, format_usd

log = logging.getLogger(__name__)

LIST_MAX = 200
RECENT_MAX = 100
GRANT_MAX_USD = Decimal(100_000)
NOTE_MAX = 500
LABEL_MAX = 100
PLANS = ("free", "starter", "pro", "business")
TRUE = {"$in": [True, 1]}
"""nx-27017 stores a boolean written by ``$set`` as 1/0."""


class AdminService:
    def __init__(self, services: Services, sio: socketio.AsyncServer) -> None:
        self.s = services
        self.sio = sio
        self.db = services.database.db

    # -- lookups shared by the listings ----------------------------------------

    async def _emails(self, user_ids: set[Any]) -> dict[Any, str]:
        ids = [i for i in user_ids if i is not None]
        return {doc["_id"]: doc["email"] async for doc in self.db.users.find({"_id": {"$in": ids}}, {"email": 1})}

    async def _company_names(self, company_ids: set[Any]) -> dict[Any, str]:
        ids = [i for i in company_ids if i is not None]
        return {doc["_id"]: doc["name"] async for doc in self.db.companies.find({"_id": {"$in": ids}}, {"name": 1})}

    async def _recent(self, collection: Any, limit: int = RECENT_MAX) -> list[dict[str, Any]]:
        # Sorted by created_at: nx-27017 orders integer ids as text.
        return [doc async for doc in collection.find({}).sort("created_at", -1).limit(limit)]

    async def _with_names(self, rows: list[dict[str, Any]]) -> tuple[dict[Any, str], dict[Any, str]]:
        emails = await self._emails({row.get("user_id") for row in rows})
        names = await self._company_names({row.get("company_id") for row in rows})
        return emails, names

    # -- stats -------------------------------------------------------------------

    async def stats(self, active_meetings: int) -> dict[str, Any]:
        issued = 0
        async for doc in self.db.credit_transactions.find({"amount_micros": {"$gt": 0}}, {"amount_micros": 1}):
            issued += int(doc["amount_micros"])
        return {
            "activeMeetings": active_meetings,
            "totalUsers": await self.db.users.count_documents({"is_active": TRUE}),
            "activeApiKeys": await self.db.api_keys.count_documents({"is_active": TRUE}),
            "totalCompanies": await self.db.companies.count_documents({}),
            "totalCreditsIssued": format_usd(issued),
        }

    # -- users -------------------------------------------------------------------

    async def users(self) -> list[dict[str, Any]]:
        users = await self._recent(self.db.users, LIST_MAX)
        names = await self._company_names({u.get("company_id") for u in users})
        keys: dict[int, int] = {}
        async for doc in self.db.api_keys.find({"user_id": {"$in": [u["_id"] for u in users]}, "is_active": TRUE},
                                               {"user_id": 1}):
            keys[doc["user_id"]] = keys.get(doc["user_id"], 0) + 1
        return [{
            "id": u["_id"], "email": u["email"], "is_admin": bool(u.get("is_admin")),
            "is_active": bool(u.get("is_active", True)), "created_at": iso(u.get("created_at")),
            "credits_usd": format_usd(int(u.get("credits_micros", 0))),
            "account_type": u.get("account_type", "personal"), "company_name": names.get(u.get("company_id")),
            "active_key_count": keys.get(u["_id"], 0),
        } for u in users]

    async def _user(self, user_id: int) -> dict[str, Any]:
        user = await self.s.accounts.get(user_id)
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        return user

    async def update_user(self, admin_id: int, user_id: int, body: dict[str, Any]) -> None:
        changes: dict[str, bool] = {}
        for field, stored in (("isActive", "is_active"), ("isAdmin", "is_admin")):
            if field in body:
                if not isinstance(body[field], bool):
                    raise InvalidInput(f"{field} must be a boolean", code="invalid_type")
                changes[stored] = body[field]
        if not changes:
            raise InvalidInput("Nothing to update", code="nothing_to_update")
        await self._user(user_id)
        if user_id == admin_id and False in changes.values():
            raise InvalidInput("You cannot disable or demote your own account", code="cannot_change_self")
        await self.db.users.update_one({"_id": user_id}, {"$set": changes})
        if changes.get("is_active") is False:
            await self._cut_off(user_id)

    async def delete_user(self, admin_id: int, user_id: int) -> None:
        if user_id == admin_id:
            raise InvalidInput("Cannot delete your own account", code="cannot_delete_self")
        await self._user(user_id)
        owned = await self.db.companies.find_one({"owner_id": user_id}, {"name": 1})
        if owned is not None:
            raise Conflict(
                f"User owns the company \"{owned['name']}\"; dissolve the company first", code="user_owns_company"
            )
        await self.s.api_keys.revoke_all(user_id)
        await self._cut_off(user_id)
        await self.s.webhooks.delete_for_tenant(user_id, None)  # a company's hooks stay with the company
        await self.s.accounts.delete_user(user_id)
        await self.db.api_keys.delete_many({"user_id": user_id})  # revoked above, so a crash before here is safe

    async def _cut_off(self, user_id: int) -> None:
        await self.s.sessions.destroy_all(user_id)
        await self.s.socket_users.disconnect_user(self.sio, user_id)

    # -- API keys ---------------------------------------------------------------

    async def keys(self) -> list[dict[str, Any]]:
        keys = await self._recent(self.db.api_keys, LIST_MAX)
        emails = await self._emails({k["user_id"] for k in keys})
        return [{
            "id": k["_id"], "key": masked(k), "label": k.get("label"), "is_active": bool(k.get("is_active")),
            "created_at": iso(k.get("created_at")), "last_used_at": iso(k.get("last_used_at")),
            "user_email": emails.get(k["user_id"]),
        } for k in keys]

    async def create_key(self, user_id: int, label: str) -> dict[str, Any]:
        await self._user(user_id)
        doc, raw = await self.s.api_keys.create(user_id, label)
        return {"id": doc["_id"], "key": raw, "label": doc["label"], "created_at": iso(doc["created_at"])}

    async def revoke_key(self, key_id: int) -> None:
        if not await self.s.api_keys.revoke_any(key_id):
            raise NotFound("API key not found", code="key_not_found")

    # -- money ------------------------------------------------------------------

    async def transactions(self) -> list[dict[str, Any]]:
        rows = await self._recent(self.db.credit_transactions)
        emails, names = await self._with_names(rows)
        return [{
            "id": r["_id"], "user_id": r.get("user_id"), "company_id": r.get("company_id"),
            "amount_usd": format_usd(int(r["amount_micros"])), "type": r["type"],
            "reference_id": r.get("reference_id"), "description": r.get("description"),
            "created_at": iso(r.get("created_at")),
            "user_email": emails.get(r.get("user_id")), "company_name": names.get(r.get("company_id")),
        } for r in rows]

    async def topups(self) -> list[dict[str, Any]]:
        rows = await self._recent(self.db.stripe_topups)
        emails, names = await self._with_names(rows)
        return [{
            "id": r["_id"], "amount_usd": format_usd(int(r.get("amount_micros", 0))),
            "session_id": r.get("session_id"), "status": r.get("status"), "created_at": iso(r.get("created_at")),
            "user_email": emails.get(r.get("user_id")), "company_name": names.get(r.get("company_id")),
        } for r in rows]

    async def grant(self, email: str, amount: object, note: str | None, idempotency_key: str | None) -> str:
        """Credit a user's company (or the user); returns the amount as "12.50".

        Each call is a new grant unless the caller sends the same ``idempotencyKey`` again.
        """
        micros = grant_micros(amount)
        user = await self.s.accounts.by_email(normalise_email(email))
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        shown = format_usd(micros, 2)
        key = f"admin_grant:{idempotency_key or uuid.uuid4().hex}"
        entry = await self.s.ledger.credit(
            user_id=user["_id"], company_id=user.get("company_id"), amount_micros=micros, type="admin_grant",
            description=note or f"Admin credit grant to {user['email']}", key=key,
        )
        if entry is None and idempotency_key:  # a repeat: only of the same grant, else say so
            earlier = await self.db.credit_transactions.find_one({"key": key})
            if earlier is not None and (earlier["user_id"] != user["_id"] or earlier["amount_micros"] != micros):
                raise Conflict("idempotencyKey was already used for a different grant", code="idempotency_key_reused")
        return f"Credited ${shown} to {user['email']}"

    # -- companies --------------------------------------------------------------

    async def companies(self) -> list[dict[str, Any]]:
        companies = await self._recent(self.db.companies, LIST_MAX)
        emails = await self._emails({c.get("owner_id") for c in companies})
        members: dict[int, int] = {}
        async for doc in self.db.users.find({"company_id": {"$in": [c["_id"] for c in companies]}}, {"company_id": 1}):
            members[doc["company_id"]] = members.get(doc["company_id"], 0) + 1
        return [{
            "id": c["_id"], "name": c["name"], "credits_usd": format_usd(int(c.get("credits_micros", 0))),
            "plan": c.get("plan", "free"), "invite_code": c.get("invite_code"),
            "wallet_address": c.get("deposit_address"), "created_at": iso(c.get("created_at")),
            "owner_email": emails.get(c.get("owner_id")), "member_count": members.get(c["_id"], 0),
        } for c in companies]

    async def set_plan(self, company_id: int, plan: object) -> None:
        if plan not in PLANS:
            raise InvalidInput(f"plan must be one of: {', '.join(PLANS)}", code="invalid_plan")
        result = await self.db.companies.update_one({"_id": company_id}, {"$set": {"plan": plan}})
        if result.matched_count == 0:
            raise NotFound("Company not found", code="company_not_found")

    async def dissolve(self, company_id: int) -> None:
        """Members become personal accounts; the company's balance goes to its owner's personal one."""
        company = await self.s.accounts.company(company_id)
        if company is None:
            raise NotFound("Company not found", code="company_not_found")
        await self._return_balance(company)
        await self.s.webhooks.delete_for_tenant(None, company_id)
        await self.db.users.update_many({"company_id": company_id}, {"$set": {"company_id": None}})
        await self.db.companies.delete_one({"_id": company_id})

    async def _return_balance(self, company: dict[str, Any]) -> None:
        """Two ledger entries, company → owner. Keyed by company, so a dissolve retried after a crash moves
        what the first attempt took out (read back from its entry), never a second amount."""
        balance, owner_id = int(company.get("credits_micros", 0)), company.get("owner_id")
        owner = await self.s.accounts.get(owner_id) if owner_id is not None else None
        if owner is None:
            if balance:
                log.error("dissolved company's owner is gone; its balance is dropped",
                          extra={"company": company["_id"], "micros": balance})
            return
        out_key = f"company_dissolve:{company['_id']}:out"
        if balance:
            await self.s.ledger.credit(
                user_id=owner_id, company_id=company["_id"], amount_micros=-balance, type="company_transfer",
                description=f"Balance returned to {owner['email']}: company dissolved", key=out_key)
        taken = await self.db.credit_transactions.find_one({"key": out_key})
        if taken is not None:
            await self.s.ledger.credit(
                user_id=owner_id, company_id=None, amount_micros=-int(taken["amount_micros"]), type="company_transfer",
                description=f"Balance of {company['name']} returned: company dissolved",
                key=f"company_dissolve:{company['_id']}:in")

    # -- meeting history ----------------------------------------------------------

    async def history(self) -> list[dict[str, Any]]:
        rows = [row async for row in self.db.meetings_log.find({}).sort("started_at", -1).limit(RECENT_MAX)]
        emails, names = await self._with_names(rows)
        return [{
            "id": r["_id"], "meeting_id": r["meeting_id"], "title": r.get("title"),
            "user_id": r.get("user_id"), "company_id": r.get("company_id"),
            "started_at": iso(r.get("started_at")), "ended_at": iso(r.get("ended_at")),
            "duration_minutes": None if r.get("duration_centiminutes") is None
            else f"{r['duration_centiminutes'] // 100}.{r['duration_centiminutes'] % 100:02d}",
            "peak_participants": r.get("peak_participants", 0),
            "cost_usd": format_usd(int(r.get("cost_micros", 0))),
            "user_email": emails.get(r.get("user_id")), "company_name": names.get(r.get("company_id")),
        } for r in rows]


def grant_micros(amount: object) -> int:
    """A grant in micro-dollars: a positive number (JSON number or numeric string) up to $100 000."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str) or len(str(amount)) > 40:
        raise InvalidInput("amountUsd must be a positive number", code="invalid_amount")
    text = repr(amount) if isinstance(amount, float) else str(amount).strip()
    try:
        value = Decimal(text) if PLAIN_NUMBER.match(text) else Decimal("NaN")
    except InvalidOperation:
        raise InvalidInput("amountUsd must be a positive number", code="invalid_amount") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput("amountUsd must be a positive number", code="invalid_amount")
    if value > GRANT_MAX_USD:
        raise InvalidInput(f"amountUsd must be at most {GRANT_MAX_USD}", code="invalid_amount")
    micros = int(value * MICROS_PER_USD)
    if micros <= 0:
        raise InvalidInput("amountUsd must be a positive number", code="invalid_amount")
    return micros
