"""Account rules: registration, login, passwords, the site admin seed, the profile shape."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from server.passwords import hash_password, verify_password
from server.services import Services
from store.errors import Conflict, Forbidden, InvalidInput, NotFound, SliceError, Unauthorized
from store.mongo.api_keys import masked
from store.mongo.database import iso
from store.mongo.ledger import format_usd

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def normalise_email(raw: str) -> str:
    return raw.strip().lower()[:255]


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidInput("Password must be at least 8 characters", code="password_too_short")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput("Password too long", code="password_too_long")


@dataclass
class Registration:
    user: dict[str, Any]
    api_key: str
    invite_code: str | None


class AccountService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def register(self, email: str, password: str, account_type: str, company_name: str | None) -> Registration:
        # Length first: the regex backtracks quadratically on long inputs.
        if len(email) > 255 or not EMAIL_RE.match(email):
            raise InvalidInput("Invalid email format", code="invalid_email")
        check_password(password)
        is_company = account_type == "company"
        if company_name is not None:
            company_name = company_name.strip()
            if len(company_name) > 100:
                raise InvalidInput("Company name too long (max 100 chars)", code="company_name_too_long")
        if is_company and not company_name:
            raise InvalidInput("Company name required", code="company_name_required")
        if not await self.s.site_settings.get("registration_enabled"):
            raise Forbidden("Registration is currently disabled", code="registration_disabled")
        email = normalise_email(email)
        user = await self.s.accounts.create_user(
            email, await hash_password(password), account_type="company" if is_company else "personal"
        )
        try:
            invite_code = None
            if is_company:
                assert company_name is not None
                company = await self.s.accounts.create_company(company_name, user["_id"])
                user["company_id"], invite_code = company["_id"], company["invite_code"]
            key_doc, raw_key = await self.s.api_keys.create(user["_id"], "Default Key")
        except Exception:
            # Nothing half-made: a registration that fails leaves no account behind.
            await self.s.accounts.delete_user(user["_id"])
            raise
        await self.grant_signup_credit(user)
        await self.s.mailer.welcome(email, masked(key_doc))
        return Registration(user, raw_key, invite_code)

    async def grant_signup_credit(self, user: dict[str, Any]) -> None:
        amount = int(await self.s.site_settings.get("signup_credit_micros"))
        if amount > 0:
            await self.s.ledger.credit(
                user_id=user["_id"], company_id=user.get("company_id"), amount_micros=amount,
                type="signup_credit", description=f"Sign-up credit ${format_usd(amount, 2)}",
                key=f"signup:{user['_id']}",
            )

    async def login(self, email: str, password: str) -> tuple[dict[str, Any], str]:
        user = await self.s.accounts.by_email(normalise_email(email))
        # The password is checked first, so a disabled account is only revealed to its owner.
        if not await verify_password(user["password_hash"] if user else None, password) or user is None:
            raise Unauthorized("Invalid email or password", code="invalid_credentials")
        if not user.get("is_active", True):
            raise Forbidden("Account is disabled", code="account_disabled")
        return user, await self.s.sessions.create(user["_id"])

    async def change_password(self, user_id: int, current: str, new: str, keep_sid: str) -> None:
        check_password(new)
        user = await self.s.accounts.get(user_id)
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        if not await verify_password(user["password_hash"], current):
            raise Unauthorized("Current password is incorrect", code="wrong_password")
        await self.s.accounts.set_password(user_id, await hash_password(new))
        await self.s.sessions.destroy_all(user_id, keep=keep_sid)
        await self.s.mailer.password_changed(user["email"])

    async def forgot_password(self, email: str) -> None:
        user = await self.s.accounts.by_email(normalise_email(email))
        if user is not None and user.get("is_active", True):
            token = await self.s.resets.issue(user["_id"])
            await self.s.mailer.password_reset(user["email"], token)

    async def reset_password(self, token: str, new: str) -> None:
        check_password(new)
        user_id = await self.s.resets.consume(token)
        if user_id is None:
            raise InvalidInput("Invalid or expired reset link", code="reset_invalid")
        await self.s.accounts.set_password(user_id, await hash_password(new))
        # A reset means the old password may be known to someone else: end every session.
        await self.s.sessions.destroy_all(user_id)

    async def profile(self, user: dict[str, Any]) -> dict[str, Any]:
        company = await self.s.accounts.company(user.get("company_id"))
        balance_micros = company["credits_micros"] if company else user.get("credits_micros", 0)
        return {
            # The document's shape ...
            "id": user["_id"],
            "email": user["email"],
            "accountType": user.get("account_type", "personal"),
            "balance": format_usd(balance_micros),
            "company_id": user.get("company_id"),
            "is_admin": bool(user.get("is_admin")),
            "created_at": iso(user["created_at"]),
            # ... and the original server's extra fields.
            "account_type": user.get("account_type", "personal"),
            "credits_usd": format_usd(user.get("credits_micros", 0)),
            "company_name": company["name"] if company else None,
            "company_credits": format_usd(company["credits_micros"]) if company else None,
            "invite_code": company["invite_code"] if company and company["owner_id"] == user["_id"] else None,
            "plan": (company or user).get("plan", "free"),
        }

    async def seed_admin(self) -> None:
        """Create the site admin from ADMIN_EMAIL / ADMIN_PASSWORD on first start."""
        email, password = self.s.settings.admin_email, self.s.settings.admin_password
        if not email or not password:
            log.warning("ADMIN_EMAIL / ADMIN_PASSWORD not set: no site admin account seeded")
            return
        email = normalise_email(email)
        if await self.s.accounts.by_email(email) is not None:
            return
        try:
            await self.s.accounts.create_user(email, await hash_password(password), is_admin=True)
        except SliceError:
            return  # another process seeded it first
        log.info("site admin account created", extra={"email": email})


__all__ = ["AccountService", "Conflict"]
