"""The site admin's sign-in: the account rules of /api/auth/login, then "is this an admin?"."""
from __future__ import annotations

from server.accounts import AccountService, normalise_email
from server.services import Services
from store.errors import Forbidden, Unauthorized


async def admin_login(services: Services, email: str, password: str) -> str:
    """A new session id for an active admin.

    A wrong password and a non-admin account get the same 401, so the page does not tell
    an attacker which addresses are admins; a disabled admin (password right) gets 403.
    """
    try:
        user, sid = await AccountService(services).login(email, password)
    except Unauthorized:
        raise Unauthorized("Invalid credentials", code="invalid_credentials") from None
    except Forbidden:
        found = await services.accounts.by_email(normalise_email(email))
        if found is None or not found.get("is_admin"):
            raise Unauthorized("Invalid credentials", code="invalid_credentials") from None
        raise Forbidden("Account disabled", code="account_disabled") from None
    if not user.get("is_admin"):
        await services.sessions.destroy(sid)
        raise Unauthorized("Invalid credentials", code="invalid_credentials")
    return sid
