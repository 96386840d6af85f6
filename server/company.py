"""Company workspaces: joining with an invite code (the balance merges), members, removal."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.services import Services
from store.errors import Conflict, Forbidden, InvalidInput, NotFound
from store.mongo.accounts import Company
from store.mongo.database import iso
from store.numbers import whole_number
from store.rooms.billing import format_usd

log = logging.getLogger(__name__)

INVITE_CODE_MAX = 200
JOIN_ATTEMPTS = 5
"""A join retries when the balance moved between reading and joining (a meeting was charged)."""


@dataclass(frozen=True)
class Members:
    members: list[dict[str, Any]]
    is_owner: bool


class CompanyService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def join(self, user_id: int, invite_code: str) -> Company:
        """Exact, case-sensitive match after trimming; the user's balance moves to the company.

        The move is two ledger entries (user −X, company +X) keyed by a join id that is stored on
        the user together with the membership, so a crash between the two is finished at start-up
        (``finish_interrupted_joins``) and a repeat never moves the money twice.
        """
        code = invite_code.strip()
        if not code:
            raise InvalidInput("Invite code required", code="invite_code_required")
        company = await self.s.accounts.company_by_invite(code)
        if company is None:
            raise NotFound("Invalid invite code", code="invalid_invite_code")
        for _ in range(JOIN_ATTEMPTS):
            user = await self.s.accounts.get(user_id)
            if user is None:
                raise NotFound("User not found", code="user_not_found")
            if user.get("company_id") is not None:
                raise Conflict("You are already part of a company", code="already_in_company")
            balance = int(user.get("credits_micros", 0))
            transfer = {
                "id": await self.s.database.next_id("company_joins"),
                "company_id": company["_id"],
                "amount_micros": balance,
            }
            if await self.s.accounts.join_company(user_id, company["_id"], balance_micros=balance, transfer=transfer):
                await self._move_balance(user_id, user["email"], company, transfer)
                log.info("company joined", extra={"user": user_id, "company": company["_id"]})
                return company
        raise Conflict("Your balance is changing; try again", code="join_busy")

    async def _move_balance(self, user_id: int, email: str, company: Company, transfer: dict[str, Any]) -> None:
        amount, join_id = int(transfer["amount_micros"]), transfer["id"]
        if amount != 0:
            await self.s.ledger.credit(
                user_id=user_id, company_id=None, amount_micros=-amount, type="company_transfer",
                description=f"Balance moved to {company['name']}", key=f"company_join:{user_id}:{join_id}:out",
            )
            await self.s.ledger.credit(
                user_id=user_id, company_id=company["_id"], amount_micros=amount, type="company_transfer",
                description=f"Balance of {email} merged on joining", key=f"company_join:{user_id}:{join_id}:in",
            )
        await self.s.accounts.finish_join_transfer(user_id)

    async def finish_interrupted_joins(self) -> int:
        """At start-up: move the balances of joins a crash interrupted (the ledger keys make it once)."""
        pending = await self.s.accounts.pending_join_transfers()
        for user in pending:
            transfer = user["join_transfer"]
            company = await self.s.accounts.company(transfer["company_id"]) or {
                "_id": transfer["company_id"], "name": f"company {transfer['company_id']}"}
            await self._move_balance(user["_id"], user["email"], company, transfer)
        return len(pending)

    async def members(self, user_id: int, company_id: int | None) -> Members:
        company = await self._company_of(company_id)
        used = await self.s.ledger.charges_by_member(company["_id"])
        docs = await self.s.accounts.members(company["_id"])
        owner_id = company["owner_id"]
        docs.sort(key=lambda d: (d["_id"] != owner_id, str(d.get("company_joined_at") or ""), d["_id"]))
        members = [{
            "id": d["_id"],
            "email": d["email"],
            "role": "owner" if d["_id"] == owner_id else "member",
            "joined_at": iso(self._joined_at(d, company)),
            "account_type": d.get("account_type", "personal"),
            "created_at": iso(d["created_at"]),
            "credits_used": format_usd(used.get(d["_id"], 0)),
        } for d in docs]
        return Members(members, owner_id == user_id)

    async def remove(self, user_id: int, company_id: int | None, member: str) -> None:
        """The member leaves with no balance: what it brought was merged and stays with the company.
        Meetings it created while a member stay the company's (they are billed to it)."""
        company = await self._company_of(company_id)
        if company["owner_id"] != user_id:
            raise Forbidden("Only the company owner can remove members", code="not_company_owner")
        member_id = whole_number(member)
        if member_id is None:
            raise NotFound("Member not found", code="member_not_found")
        if member_id == user_id:
            raise InvalidInput("Cannot remove yourself", code="cannot_remove_self")
        if not await self.s.accounts.leave_company(member_id, company["_id"]):
            raise NotFound("Member not found", code="member_not_found")
        log.info("company member removed", extra={"member": int(member), "company": company["_id"]})

    async def _company_of(self, company_id: int | None) -> Company:
        company = await self.s.accounts.company(company_id)
        if company is None:
            raise InvalidInput("You are not part of a company", code="not_in_company")
        return company

    @staticmethod
    def _joined_at(user: dict[str, Any], company: Company) -> datetime | str:
        """Members carry the join time; the owner (and accounts from before joins were recorded)
        joined when the company was created."""
        return user.get("company_joined_at") or company["created_at"]
