"""Which signed-in user each socket belongs to, so disabling or deleting an account reaches its live sockets.

Only sockets whose handshake carried a session cookie or an API key are indexed;
anonymous participants (the common case: joining needs no account) are not.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import socketio

if TYPE_CHECKING:
    from server.services import Services

API_KEY_MAX = 100
ACCOUNT_DISABLED = {"message": "Account disabled", "code": "account_disabled"}


class SocketUsers:
    def __init__(self) -> None:
        self._sids: dict[int, set[str]] = {}
        self._user: dict[str, int] = {}

    def bind(self, sid: str, user_id: int) -> None:
        self._user[sid] = user_id
        self._sids.setdefault(user_id, set()).add(sid)

    def forget(self, sid: str) -> None:
        user_id = self._user.pop(sid, None)
        if user_id is None:
            return
        sids = self._sids.get(user_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._sids[user_id]

    def sids(self, user_id: int) -> list[str]:
        return sorted(self._sids.get(user_id, ()))

    def user_of(self, sid: str) -> int | None:
        return self._user.get(sid)

    async def disconnect_user(self, sio: socketio.AsyncServer, user_id: int) -> int:
        """Tell each of the user's sockets why, then close it; returns how many were closed."""
        sids = self.sids(user_id)
        for sid in sids:
            await sio.emit("error", ACCOUNT_DISABLED, to=sid)
            await sio.disconnect(sid)
            self.forget(sid)
        return len(sids)


async def socket_account(services: Services, session_id: str | None, api_key: str | None) -> int | None:
    """The user a socket handshake's credentials name, if any (an API key wins over the cookie).

    Bad or unknown credentials just make an anonymous socket (joining needs no account);
    a disabled account is refused outright.
    """
    user_id: int | None = None
    if api_key and len(api_key) <= API_KEY_MAX:
        key = await services.api_keys.find_active(api_key)
        user_id = key["user_id"] if key else None
    if user_id is None and session_id:
        user_id = await services.sessions.user_id(session_id)
    if user_id is None:
        return None
    user = await services.accounts.get(user_id)
    if user is None:
        return None
    if not user.get("is_active", True):
        raise socketio.exceptions.ConnectionRefusedError("Account disabled", {"code": "account_disabled"})
    return user_id
