"""Hostile and malformed input: always a 4xx JSON error, never a 500 or HTML, and nothing written."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.http.http_support import PASSWORD, database, error_of, login, register, unique_email

if TYPE_CHECKING:
    from tests.conftest import StartServer

COLLECTIONS = ("users", "api_keys", "sessions", "companies", "password_resets", "mail_outbox")


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """A server without the seeded site admin: seeding hashes a password, which doubles start-up time."""
    return await start_server(admin_email=None)


@asynccontextmanager
async def nothing_written(settings: Settings) -> AsyncIterator[None]:
    async with database(settings) as db:
        before = {name: await db[name].count_documents({}) for name in COLLECTIONS}
        yield
        after = {name: await db[name].count_documents({}) for name in COLLECTIONS}
    assert after == before


async def post_raw(api: TestClient, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, str]:
    resp = await api.post(path, data=body, headers={"Content-Type": content_type})
    return await error_of(resp)


WRONG_TYPES: list[Any] = [123, 1.5, True, {"a": 1}, ["x@example.com"], [], {}]


async def test_wrong_types_on_register(api: TestClient, settings: Settings) -> None:
    async with nothing_written(settings):
        for value in WRONG_TYPES:
            for field in ("email", "password", "companyName"):
                payload = {"email": unique_email(), "password": PASSWORD, "accountType": "company",
                           "companyName": "Acme", field: value}
                resp = await api.post("/api/auth/register", json=payload)
                assert await error_of(resp) == (400, f"{field} must be a string"), payload
        # null is the same as leaving the field out.
        resp = await api.post("/api/auth/register", json={"email": None, "password": PASSWORD})
        assert await error_of(resp) == (400, "Email and password required")
        # accountType is not text we keep: anything but "company" means personal, so only check it is no 500.
        for value in WRONG_TYPES:
            resp = await api.post("/api/auth/register", json={"email": "bad", "password": PASSWORD, "accountType": value})
            assert await error_of(resp) == (400, "Invalid email format")


async def test_wrong_types_on_the_other_auth_routes(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    async with nothing_written(settings):
        for value in WRONG_TYPES:
            cases = [
                ("/api/auth/login", {"email": value, "password": PASSWORD}, "email"),
                ("/api/auth/login", {"email": email, "password": value}, "password"),
                ("/api/auth/forgot-password", {"email": value}, "email"),
                ("/api/auth/reset-password", {"token": value, "newPassword": "long-enough"}, "token"),
                ("/api/auth/reset-password", {"token": "0" * 64, "newPassword": value}, "newPassword"),
                ("/api/auth/change-password", {"currentPassword": value, "newPassword": "long-enough"},
                 "currentPassword"),
                ("/api/auth/change-password", {"currentPassword": PASSWORD, "newPassword": value}, "newPassword"),
                ("/api/user/keys", {"label": value}, "label"),
            ]
            for path, payload, field in cases:
                resp = await api.post(path, json=payload)
                assert await error_of(resp) == (400, f"{field} must be a string"), (path, payload)
    assert (await login(api, email)).status == 200  # the password was not changed


MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "Invalid JSON body"),
    (b'{"email": "x@example.com", "password": ', "Invalid JSON body"),
    (b"\xff\xfe{}", "Invalid JSON body"),
    (b'{"email": "\xff@example.com", "password": "secret123"}', "Invalid JSON body"),
    (b'{"n": ' + b"1" * 5000 + b"}", "Invalid JSON body"),  # beyond Python's int digit limit
    (b'{"email": NaN, "password": Infinity}', "Invalid JSON body"),  # not JSON, though Python parses it
    (b'{"n": -Infinity}', "Invalid JSON body"),
    (b"[" * 100_000 + b"]" * 100_000, "Invalid JSON body"),  # nesting deeper than the parser's recursion
    (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "Invalid JSON body"),
    (b'[{"email": "x@example.com", "password": "secret123"}]', "JSON body must be an object"),
    (b'"x@example.com"', "JSON body must be an object"),
    (b"42", "JSON body must be an object"),
    (b"null", "JSON body must be an object"),
    (b"true", "JSON body must be an object"),
]


async def test_malformed_bodies(api: TestClient, settings: Settings) -> None:
    email = unique_email()
    await register(api, email)
    async with nothing_written(settings):
        for path in ("/api/auth/register", "/api/auth/login", "/api/auth/forgot-password",
                     "/api/auth/reset-password", "/api/auth/change-password", "/api/user/keys"):
            for body, message in MALFORMED:
                assert await post_raw(api, path, body) == (400, message), (path, body[:40])
            form = b"email=x%40example.com&password=secret123"
            assert await post_raw(api, path, form, "application/x-www-form-urlencoded") == (400, "Invalid JSON body")


async def test_empty_body_is_an_empty_object(api: TestClient, settings: Settings) -> None:
    async with nothing_written(settings):
        assert await post_raw(api, "/api/auth/register", b"") == (400, "Email and password required")
        assert await post_raw(api, "/api/auth/login", b"  \n") == (400, "Email and password required")


async def test_ten_megabyte_body_is_413(api: TestClient, settings: Settings) -> None:
    big = json.dumps({"email": unique_email(), "password": PASSWORD, "companyName": "x" * 10_000_000}).encode()
    await register(api)  # so the key route reads the body instead of answering 401 first
    async with nothing_written(settings):
        for path in ("/api/auth/register", "/api/auth/login", "/api/user/keys"):
            assert await post_raw(api, path, big) == (413, "Request body too large"), path
        # Just over the 1 MB limit is refused the same way; just under it is read (and then validated).
        assert await post_raw(api, "/api/auth/register", b"{" + b" " * (1024 * 1024) + b"}") == (
            413, "Request body too large")
        under = json.dumps({"email": "x" * (1024 * 1024 - 100), "password": PASSWORD}).encode()
        assert await post_raw(api, "/api/auth/register", under) == (400, "Invalid email format")
    # The server is still fine afterwards.
    assert (await api.get("/health")).status == 200


# Escapes as a client would send them, so lone surrogates reach the server as JSON text.
NUL, LONE_HIGH, LONE_LOW = "\\u0000", "\\ud800", "\\udfff"


async def test_unicode_that_cannot_be_stored_is_refused(api: TestClient, settings: Settings) -> None:
    cases: list[tuple[str, str]] = [
        (f'{{"email": "a{NUL}@example.com", "password": "secret123"}}', "email must not contain NUL characters"),
        (f'{{"email": "a@example.com", "password": "secret{NUL}123"}}', "password must not contain NUL characters"),
        (f'{{"email": "{LONE_HIGH}@example.com", "password": "secret123"}}', "email must be valid Unicode text"),
        (f'{{"email": "a@example.com", "password": "secret{LONE_LOW}123"}}', "password must be valid Unicode text"),
        (f'{{"email": "a@example.com", "password": "secret123", "accountType": "company", '
         f'"companyName": "Acme {LONE_HIGH}"}}', "companyName must be valid Unicode text"),
    ]
    async with nothing_written(settings):
        for body, message in cases:
            assert await post_raw(api, "/api/auth/register", body.encode()) == (400, message), body
        for body in (f'{{"email": "{LONE_HIGH}@example.com", "password": "secret123"}}',
                     f'{{"email": "a@example.com", "password": "{LONE_LOW}{LONE_HIGH}secret"}}'):
            status, _ = await post_raw(api, "/api/auth/login", body.encode())
            assert status == 400
        assert await post_raw(api, "/api/auth/forgot-password", f'{{"email": "{LONE_HIGH}"}}'.encode()) == (
            400, "email must be valid Unicode text")
        for token in ("%ED%A0%80", "%00", "%FF%FE"):  # a surrogate, NUL, invalid UTF-8
            resp = await api.get(f"/api/auth/reset-password?token={token}")
            assert await error_of(resp) == (400, "Invalid or expired reset link"), token


async def test_unicode_label_that_cannot_be_stored_is_refused(api: TestClient, settings: Settings) -> None:
    await register(api)
    async with nothing_written(settings):
        resp = await api.post("/api/user/keys", data=f'{{"label": "bot {LONE_HIGH}"}}'.encode(),
                              headers={"Content-Type": "application/json"})
        assert await error_of(resp) == (400, "label must be valid Unicode text")
        resp = await api.post("/api/user/keys", json={"label": "nul\x00label"})
        assert await error_of(resp) == (400, "label must not contain NUL characters")


async def test_very_long_strings(api: TestClient, settings: Settings) -> None:
    huge = "x" * 200_000
    cases: list[tuple[dict[str, Any], str]] = [
        ({"email": huge + "@example.com", "password": PASSWORD}, "Invalid email format"),
        # A long run of dots is the regex's worst case; the length check comes first.
        ({"email": "a@" + "." * 200_000 + " ", "password": PASSWORD}, "Invalid email format"),
        ({"email": unique_email(), "password": huge}, "Password too long"),
        ({"email": unique_email(), "password": PASSWORD, "accountType": "company", "companyName": huge},
         "Company name too long (max 100 chars)"),
    ]
    async with nothing_written(settings):
        for payload, message in cases:
            resp = await api.post("/api/auth/register", json=payload)
            assert await error_of(resp) == (400, message), message
        resp = await api.get("/api/auth/reset-password", params={"token": "f" * 5000})
        assert await error_of(resp) == (400, "Invalid or expired reset link")


async def test_unicode_is_kept_where_it_is_valid(api: TestClient) -> None:
    """Emoji, right-to-left text and combining marks are ordinary text: stored and returned exactly."""
    company = "שלום \u202eCorp\u202c 🍕 e\u0301"
    password = "pässwörd-🍕-مرحبا"
    body = await register(api, unique_email(), password=password, accountType="company", companyName=company)
    me = await (await api.get("/api/auth/me")).json()
    assert me["company_name"] == company
    await api.post("/api/auth/logout")
    assert (await login(api, body["email"], password)).status == 200
    assert (await login(api, body["email"], "pässwörd-🍕-مرحبا ")).status == 401
    label = "🤖 بوت"
    resp = await api.post("/api/user/keys", json={"label": label})
    assert resp.status == 201 and (await resp.json())["label"] == label


async def test_unknown_api_route_is_404_json(api: TestClient) -> None:
    for path in ("/api/nope", "/api/auth/nope", "/api/user/keys/1/extra", "/admin/api/nope"):
        assert await error_of(await api.get(path)) == (404, "Not found"), path
        assert await error_of(await api.post(path, json={})) == (404, "Not found"), path


async def test_wrong_method_is_405_json(api: TestClient) -> None:
    for method, path in (("GET", "/api/auth/login"), ("PUT", "/api/auth/register"), ("DELETE", "/api/auth/me"),
                         ("PATCH", "/api/user/keys"), ("POST", "/health")):
        resp = await api.request(method, path)
        assert await error_of(resp) == (405, "Method not allowed"), (method, path)
        assert "Allow" in resp.headers


async def test_unknown_page_is_404_without_html(api: TestClient) -> None:
    resp = await api.get("/no-such-page")
    assert await error_of(resp) == (404, "Page not found")


async def test_digits_from_other_scripts_are_refused_not_500(api: TestClient) -> None:
    """``str.isdigit`` accepts "²" (which ``int`` refuses) and "١" (which it reads as 1): ids and numbers
    in paths and queries take ASCII digits only, and anything else is a clean 4xx."""
    email = unique_email("digits")
    body = await register(api, email, PASSWORD, accountType="company", companyName="Digits")
    key = {"x-api-key": body["apiKey"]}
    for odd in ("%C2%B2", "%D9%A1"):  # "²", "١"
        for method, path, expected in [
            ("DELETE", f"/api/user/keys/{odd}", 404),
            ("DELETE", f"/api/company/members/{odd}", 404),
            ("GET", f"/api/billing/history?limit={odd}", 400),
            ("GET", f"/api/billing/history?before={odd}", 400),
            ("GET", f"/api/meetings/history?before={odd}", 400),
            ("GET", f"/api/meetings/files/{odd}/download", 404),
            ("GET", f"/api/webhooks/{odd}/deliveries", 404),
        ]:
            resp = await api.request(method, path, headers=key)
            answer = await resp.json()
            assert resp.status == expected, (method, path, resp.status, answer)
            assert answer["code"] != "not_found", (path, "the route itself must answer, not the router")
    for odd_number in ("²", "١"):
        resp = await api.post("/api/meetings", json={"maxParticipants": odd_number}, headers=key)
        assert resp.status == 400, (odd_number, await resp.text())
