"""Per-IP rate limits with the onepizza document's numbers (contract §7), and X-Forwarded-For trust."""
from __future__ import annotations

import ipaddress
import time
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.test_utils import TestClient

from server.settings import RateLimits, Settings
from tests.http.http_support import error_of, login, register, unique_email

if TYPE_CHECKING:
    from tests.conftest import StartServer

LOGIN_LIMITED = "Too many login attempts — please try again in 15 minutes"
RESET_LIMITED = "Too many reset requests — please try again in 15 minutes"
FIFTEEN_MINUTES = 15 * 60


def assert_limit_headers(resp: aiohttp.ClientResponse, limit: int, remaining: int, window: int) -> None:
    h = resp.headers
    assert h["RateLimit-Limit"] == h["X-RateLimit-Limit"] == str(limit)
    assert h["RateLimit-Remaining"] == h["X-RateLimit-Remaining"] == str(remaining)
    assert 0 <= int(h["RateLimit-Reset"]) <= window
    # X-RateLimit-Reset is the end of the window as a Unix time.
    assert time.time() - 2 <= int(h["X-RateLimit-Reset"]) <= time.time() + window + 2


async def strict_server(start_server: StartServer, **overrides: object) -> TestClient:
    """A second server on the same database with the real default limits (its own counters)."""
    return await start_server(rate_limits=RateLimits(), admin_email=None, **overrides)


async def test_eleventh_login_in_the_window_is_429(api: TestClient, start_server: StartServer) -> None:
    email = unique_email()
    await register(api, email)  # on the generous server, so it does not count here
    strict = await strict_server(start_server)
    for attempt in range(1, 11):
        resp = await login(strict, email)
        assert resp.status == 200, attempt
        assert_limit_headers(resp, limit=10, remaining=10 - attempt, window=FIFTEEN_MINUTES)
    resp = await login(strict, email)
    assert await error_of(resp) == (429, LOGIN_LIMITED)
    assert_limit_headers(resp, limit=10, remaining=0, window=FIFTEEN_MINUTES)
    assert 0 < int(resp.headers["Retry-After"]) <= FIFTEEN_MINUTES
    assert "connect.sid" not in resp.cookies
    # Failed attempts and registrations share the same counter: still limited.
    resp = await strict.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
    assert await error_of(resp) == (429, LOGIN_LIMITED)
    resp = await strict.post("/api/auth/register", json={"email": unique_email(), "password": "secret123"})
    assert await error_of(resp) == (429, LOGIN_LIMITED)


async def test_register_and_login_share_one_counter(start_server: StartServer) -> None:
    strict = await strict_server(start_server)
    for _ in range(10):
        resp = await strict.post("/api/auth/login", json={})  # invalid requests count too
        assert resp.status == 400
    resp = await strict.post("/api/auth/register", json={"email": unique_email(), "password": "secret123"})
    assert await error_of(resp) == (429, LOGIN_LIMITED)


async def test_forgot_and_reset_share_three_per_window(start_server: StartServer) -> None:
    strict = await strict_server(start_server)
    resp = await strict.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
    assert resp.status == 200
    assert_limit_headers(resp, limit=3, remaining=2, window=FIFTEEN_MINUTES)
    resp = await strict.get("/api/auth/reset-password", params={"token": "0" * 64})
    assert resp.status == 400
    assert_limit_headers(resp, limit=3, remaining=1, window=FIFTEEN_MINUTES)
    resp = await strict.post("/api/auth/reset-password", json={"token": "0" * 64, "newPassword": "long-enough"})
    assert resp.status == 400
    assert_limit_headers(resp, limit=3, remaining=0, window=FIFTEEN_MINUTES)
    for method, path in (("POST", "/api/auth/forgot-password"), ("GET", "/api/auth/reset-password"),
                         ("POST", "/api/auth/reset-password")):
        resp = await strict.request(method, path, json={"email": "nobody@example.com"})
        assert await error_of(resp) == (429, RESET_LIMITED)
        assert_limit_headers(resp, limit=3, remaining=0, window=FIFTEEN_MINUTES)
    # The login counter is a different one.
    assert (await strict.post("/api/auth/login", json={})).status == 400


async def test_api_limit_is_100_per_window(start_server: StartServer) -> None:
    strict = await strict_server(start_server)
    for n in range(100):
        resp = await strict.get("/api/user/keys")  # 401s count too
        assert resp.status == 401, n
    assert_limit_headers(resp, limit=100, remaining=0, window=FIFTEEN_MINUTES)
    resp = await strict.get("/api/user/keys")
    assert await error_of(resp) == (429, "Too many requests")
    assert (await strict.get("/api/no-such-route")).status == 429
    # Health probes and the public config are outside the API limiter.
    assert (await strict.get("/health")).status == 200
    assert (await strict.get("/api/config")).status == 200


async def test_forwarded_for_is_ignored_without_trusted_proxies(start_server: StartServer) -> None:
    strict = await strict_server(start_server)
    for n in range(3):
        resp = await strict.post("/api/auth/forgot-password", json={"email": "x@example.com"},
                                 headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert resp.status == 200
    resp = await strict.post("/api/auth/forgot-password", json={"email": "x@example.com"},
                             headers={"X-Forwarded-For": "203.0.113.99"})
    assert await error_of(resp) == (429, RESET_LIMITED)


async def test_forwarded_for_from_a_trusted_proxy_gets_separate_counters(start_server: StartServer) -> None:
    strict = await strict_server(start_server, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))

    async def forgot(forwarded: str | None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        resp = await strict.post("/api/auth/forgot-password", json={"email": "x@example.com"}, headers=headers)
        return resp.status

    assert [await forgot("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
    assert await forgot("203.0.113.8") == 200
    # Only the hop our proxy appended counts: a client cannot pick a fresh address by prefixing one.
    assert await forgot("198.51.100.1, 203.0.113.7") == 429
    # Without the header the proxy itself is the client, with a counter of its own.
    assert [await forgot(None) for _ in range(4)] == [200, 200, 200, 429]


async def test_trusted_proxies_setting_is_parsed() -> None:
    settings = Settings.from_env({"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    assert settings.trusted_proxies == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


async def test_change_password_guesses_share_the_login_limit(api: TestClient, start_server: StartServer) -> None:
    """A stolen session must not be a way to guess the current password without limit."""
    email = unique_email()
    await register(api, email)
    strict = await strict_server(start_server)
    assert (await login(strict, email)).status == 200  # 1 of 10
    for attempt in range(2, 11):
        resp = await strict.post("/api/auth/change-password",
                                 json={"currentPassword": f"guess-{attempt}", "newPassword": "another-secret"})
        assert await error_of(resp) == (401, "Current password is incorrect"), attempt
    resp = await strict.post("/api/auth/change-password",
                             json={"currentPassword": "secret123", "newPassword": "another-secret"})
    assert await error_of(resp) == (429, LOGIN_LIMITED)
    assert_limit_headers(resp, limit=10, remaining=0, window=FIFTEEN_MINUTES)
    assert (await login(api, email)).status == 200  # the right password was never applied, nor changed
