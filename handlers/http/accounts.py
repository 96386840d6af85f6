"""/api/auth/*: register, login, logout, me, password reset and change."""
from __future__ import annotations

from aiohttp import web

from handlers.http.limits import limit
from handlers.http.request import (
    SESSION_COOKIE,
    json_body,
    login_fields,
    services,
    session_caller,
    set_session_cookie,
    signed_in,
    text_field,
)
from server.accounts import AccountService
from store.errors import InvalidInput, NotFound

routes = web.RouteTableDef()


@routes.post("/api/auth/register")
async def register(request: web.Request) -> web.Response:
    await limit(request, "auth")
    body = await json_body(request)
    # Lengths are bounded by AccountService, which answers with the contract's messages.
    email = text_field(body, "email")
    password = text_field(body, "password")
    account_type = body.get("accountType")
    company_name = text_field(body, "companyName")
    if not email or not password:
        raise InvalidInput("Email and password required", code="missing_fields")
    reg = await AccountService(services(request)).register(
        email, password, "company" if account_type == "company" else "personal", company_name
    )
    sid = await services(request).sessions.create(reg.user["_id"])
    response = web.json_response({
        "message": "Account created",
        "email": reg.user["email"],
        "apiKey": reg.api_key,
        "inviteCode": reg.invite_code,
        "accountType": reg.user["account_type"],
    })
    set_session_cookie(request, response, sid)
    return response


@routes.post("/api/auth/login")
async def login(request: web.Request) -> web.Response:
    await limit(request, "auth")
    email, password = await login_fields(request)
    user, sid = await AccountService(services(request)).login(email, password)
    return await signed_in(request, sid, {"message": "Logged in", "isAdmin": bool(user.get("is_admin"))})


@routes.post("/api/auth/logout")
async def logout(request: web.Request) -> web.Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await services(request).sessions.destroy(sid)
    response = web.json_response({"message": "Logged out"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/auth/me")
async def me(request: web.Request) -> web.Response:
    caller = await session_caller(request)
    assert caller is not None
    user = await services(request).accounts.get(caller.user_id)
    if user is None:
        raise NotFound("User not found", code="user_not_found")
    return web.json_response(await AccountService(services(request)).profile(user))


@routes.post("/api/auth/forgot-password")
async def forgot_password(request: web.Request) -> web.Response:
    await limit(request, "reset")
    email = text_field(await json_body(request), "email", max_len=1024)
    if not email:
        raise InvalidInput("Email required", code="missing_fields")
    await AccountService(services(request)).forgot_password(email)
    return web.json_response({"message": "If that email is registered, a reset link has been sent."})


@routes.get("/api/auth/reset-password")
async def check_reset_token(request: web.Request) -> web.Response:
    await limit(request, "reset")
    token = request.query.get("token", "")
    if not token:
        raise InvalidInput("Token required", code="missing_fields")
    if len(token) > 128 or await services(request).resets.valid_user(token) is None:
        raise InvalidInput("Invalid or expired reset link", code="reset_invalid")
    return web.json_response({"valid": True})


@routes.post("/api/auth/reset-password")
async def reset_password(request: web.Request) -> web.Response:
    await limit(request, "reset")
    body = await json_body(request)
    token = text_field(body, "token", max_len=128)
    # The document names the field ``password``; the original reads ``newPassword``. Accept both.
    password = text_field(body, "newPassword") or text_field(body, "password")
    if not token or not password:
        raise InvalidInput("Token and newPassword required", code="missing_fields")
    await AccountService(services(request)).reset_password(token, password)
    return web.json_response({"message": "Password updated successfully"})


@routes.post("/api/auth/change-password")
async def change_password(request: web.Request) -> web.Response:
    await limit(request, "auth")  # it checks a password: the login limiter's bucket
    caller = await session_caller(request)
    assert caller is not None
    body = await json_body(request)
    current = text_field(body, "currentPassword", max_len=1024)
    new = text_field(body, "newPassword")
    if not current or not new:
        raise InvalidInput("currentPassword and newPassword required", code="missing_fields")
    await AccountService(services(request)).change_password(
        caller.user_id, current, new, keep_sid=request.cookies.get(SESSION_COOKIE, "")
    )
    return web.json_response({"message": "Password changed successfully"})
