"""What every REST handler needs from a request: its JSON body, its client, its caller."""
from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from server.background import BACKGROUND
from server.services import SERVICES, Services
from store.errors import InvalidInput, Unauthorized
from store.numbers import whole_number

SESSION_COOKIE = "connect.sid"
API_KEY_MAX = 100


def _reject_constant(name: str) -> object:
    """``NaN`` and ``Infinity`` are not JSON (RFC 8259); Python's parser accepts them unless told."""
    raise ValueError(f"{name} is not valid JSON")


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` (as the original treats it)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise InvalidInput("Invalid JSON body", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("JSON body must be an object", code="invalid_json")
    return body


def text_field(body: dict[str, Any], name: str, *, max_len: int | None = None) -> str | None:
    """A string field or None; any other type is a 400 naming the field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", code="invalid_type")
    if "\x00" in value:
        raise InvalidInput(f"{name} must not contain NUL characters", code="invalid_text")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): no store or hash can take it
            raise InvalidInput(f"{name} must be valid Unicode text", code="invalid_text") from None
    if max_len is not None and len(value) > max_len:
        raise InvalidInput(f"{name} too long (max {max_len} characters)", code="too_long")
    return value


def query_int(request: web.Request, name: str, low: int, high: int, message: str) -> int | None:
    """An optional whole-number query parameter within [low, high]; anything else is a 400 ``invalid_<name>``."""
    raw = request.query.get(name)
    if raw is None:
        return None
    value = whole_number(raw)
    if value is None or not low <= value <= high:
        raise InvalidInput(message, code=f"invalid_{name}")
    return value


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def set_session_cookie(request: web.Request, response: web.StreamResponse, sid: str) -> None:
    """The login cookie, set the same way by /api/auth/* and /admin/login."""
    response.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="Lax", path="/",
        secure=services(request).settings.production, max_age=7 * 24 * 3600,
    )


async def login_fields(request: web.Request) -> tuple[str, str]:
    """Email and password of a sign-in form (/api/auth/login, /admin/login)."""
    body = await json_body(request)
    email = text_field(body, "email", max_len=1024)
    password = text_field(body, "password", max_len=1024)
    if not email or not password:
        raise InvalidInput("Email and password required", code="missing_fields")
    return email, password


async def signed_in(request: web.Request, sid: str, answer: dict[str, Any]) -> web.Response:
    """The answer to a successful sign-in: the new session's cookie, and the one it replaces ended."""
    old_sid = request.cookies.get(SESSION_COOKIE)
    if old_sid and old_sid != sid:
        await services(request).sessions.destroy(old_sid)
    response = web.json_response(answer)
    set_session_cookie(request, response, sid)
    return response


def client_ip(request: web.Request) -> str:
    """The peer address, or the X-Forwarded-For hop our trusted proxy saw, and only then."""
    remote = request.remote or "unknown"
    trusted = services(request).settings.trusted_proxies
    if not trusted:
        return remote
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for candidate in [*reversed(hops)]:
        if not _in(remote, trusted):
            return remote
        remote = candidate
    return remote


def _in(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


@dataclass(frozen=True)
class Caller:
    user_id: int
    company_id: int | None
    is_admin: bool
    email: str

    def owns(self, owner_id: object, owner_company_id: object) -> bool:
        """The tenant rule: the owning account itself, or a member of the owning company."""
        if owner_id is not None and owner_id == self.user_id:
            return True
        return self.company_id is not None and owner_company_id == self.company_id


async def session_caller(request: web.Request, *, required: bool = True) -> Caller | None:
    sid = request.cookies.get(SESSION_COOKIE)
    s = services(request)
    user_id = await s.sessions.user_id(sid) if sid else None
    user = await s.accounts.get(user_id) if user_id is not None else None
    if user is None or not user.get("is_active", True):
        if required:
            raise Unauthorized("Login required", code="login_required")
        return None
    return Caller(user["_id"], user.get("company_id"), bool(user.get("is_admin")), user["email"])


async def admin_caller(request: web.Request) -> Caller:
    """The site admin behind ``/admin/api/*``: an active session whose user is (still) an admin.

    The flag is read from the user, not the session, so a demoted admin loses access at once."""
    caller = await session_caller(request, required=False)
    if caller is None or not caller.is_admin:
        raise Unauthorized("Admin login required", code="admin_login_required")
    return caller


async def api_key_caller(request: web.Request) -> Caller:
    raw = request.headers.get("x-api-key", "")
    s = services(request)
    doc = await s.api_keys.find_active(raw) if 0 < len(raw) <= API_KEY_MAX else None
    user = await s.accounts.get(doc["user_id"]) if doc else None
    if doc is None or user is None or not user.get("is_active", True):
        raise Unauthorized("Invalid or missing API key", code="invalid_api_key")
    request.app[BACKGROUND].spawn(s.api_keys.touch(doc["_id"]))
    return Caller(user["_id"], user.get("company_id"), bool(user.get("is_admin")), user["email"])


async def optional_caller(request: web.Request) -> Caller | None:
    """The key's owner when an ``x-api-key`` is sent (an explicit credential beats the ambient
    cookie, and a bad key is refused even with a session); otherwise the logged-in user, if any."""
    if "x-api-key" in request.headers:
        return await api_key_caller(request)
    return await session_caller(request, required=False)


async def api_key_or_session_caller(request: web.Request) -> Caller:
    caller = await optional_caller(request)
    return caller if caller is not None else await api_key_caller(request)  # raises: no key was sent


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))
