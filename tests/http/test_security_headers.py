"""Security headers (contract §8, without third-party hosts), compression and CORS."""
from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING

import aiohttp
import brotli
import pytest
from aiohttp.test_utils import TestClient

from tests.http.http_support import register

if TYPE_CHECKING:
    from tests.conftest import StartServer

ALLOWED = "https://app.example.com"


@pytest.fixture
async def api(start_server: StartServer) -> TestClient:
    """A server without the seeded site admin: seeding hashes a password, which doubles start-up time."""
    return await start_server(admin_email=None, allowed_origins=(ALLOWED,))


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/api/config", "/api/nope", "/", "/health", "/api/auth/me"])
async def test_security_headers_on_every_kind_of_response(api: TestClient, path: str) -> None:
    resp = await api.get(path)
    h = resp.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert "X-Powered-By" not in h
    csp = csp_directives(h["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert "frame-ancestors" in csp
    # We serve our own assets: no CDN, no font host, no other origin anywhere in the policy.
    sources = [source for values in csp.values() for source in values]
    assert [s for s in sources if "." in s or "//" in s] == [], sources
    assert "Strict-Transport-Security" not in h  # only behind TLS, in production


async def test_api_answers_are_not_cached(api: TestClient) -> None:
    assert (await api.get("/api/config")).headers["Cache-Control"] == "no-store"


async def test_production_adds_hsts(start_server: StartServer) -> None:
    api = await start_server(production=True, admin_email=None)
    resp = await api.get("/health")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


async def big_listing(api: TestClient) -> None:
    """Five keys with 100-character labels: a /api/user/keys answer well over 1 KB."""
    await register(api)
    for n in range(4):
        resp = await api.post("/api/user/keys", json={"label": f"{n}" * 100})
        assert resp.status == 201


async def raw_get(api: TestClient, path: str, accept_encoding: str) -> tuple[aiohttp.ClientResponse, bytes]:
    """GET without automatic decompression, sending the session cookie of ``api``."""
    cookies = {c.key: c.value for c in api.session.cookie_jar}
    async with aiohttp.ClientSession(base_url=str(api.make_url("/")), auto_decompress=False) as raw:
        resp = await raw.get(path, headers={"Accept-Encoding": accept_encoding}, cookies=cookies)
        return resp, await resp.read()


async def test_gzip_for_a_large_json_answer(api: TestClient) -> None:
    await big_listing(api)
    plain, plain_body = await raw_get(api, "/api/user/keys", "identity")
    assert "Content-Encoding" not in plain.headers
    assert len(plain_body) >= 1024
    resp, body = await raw_get(api, "/api/user/keys", "gzip, deflate")
    assert resp.status == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers.get("Vary", "")
    assert len(body) < len(plain_body)
    assert json.loads(gzip.decompress(body)) == json.loads(plain_body)


async def test_brotli_when_accepted(api: TestClient) -> None:
    await big_listing(api)
    _, plain_body = await raw_get(api, "/api/user/keys", "identity")
    resp, body = await raw_get(api, "/api/user/keys", "gzip, deflate, br")
    assert resp.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in resp.headers.get("Vary", "")
    assert len(body) < len(plain_body)
    assert json.loads(brotli.decompress(body)) == json.loads(plain_body)


async def test_refused_codings_are_not_used(api: TestClient) -> None:
    await big_listing(api)
    resp, body = await raw_get(api, "/api/user/keys", "br;q=0, gzip")
    assert resp.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["keys"]
    resp, body = await raw_get(api, "/api/user/keys", "br;q=0")
    assert "Content-Encoding" not in resp.headers
    assert json.loads(body)["keys"]


async def test_small_answers_are_not_compressed(api: TestClient) -> None:
    resp, body = await raw_get(api, "/api/config", "gzip, br")
    assert "Content-Encoding" not in resp.headers
    assert json.loads(body)["registrationEnabled"] is True


async def test_cors_allowed_origin(api: TestClient) -> None:
    resp = await api.get("/api/config", headers={"Origin": ALLOWED})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    preflight = await api.options("/api/auth/login", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


async def test_cors_unknown_origin(api: TestClient) -> None:
    resp = await api.get("/api/config", headers={"Origin": "https://evil.example.net"})
    assert resp.status == 200  # the browser, not the server, enforces CORS on simple requests
    assert "Access-Control-Allow-Origin" not in resp.headers
    preflight = await api.options("/api/auth/login", headers={
        "Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST",
    })
    assert preflight.status == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert preflight.content_type == "application/json"
    assert "error" in await preflight.json()


async def test_cors_in_development_allows_the_local_origins(start_server: StartServer) -> None:
    api = await start_server(admin_email=None, app_url="http://localhost:3000")
    resp = await api.get("/api/config", headers={"Origin": "http://localhost:3000"})
    assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    resp = await api.get("/api/config", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_socket_handshake_accepts_the_page_s_own_origin_and_the_configured_ones(api: TestClient) -> None:
    """A page served by this server under any name opens its socket; another site's page does not."""

    async def handshake(origin: str, host: str | None = None) -> int:
        headers = {"Origin": origin, **({"Host": host} if host else {})}
        resp = await api.get("/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=headers)
        await resp.read()
        return resp.status

    assert await handshake("http://192.168.1.20:3000", host="192.168.1.20:3000") == 200  # same origin, LAN name
    assert await handshake("https://meet.example.org", host="meet.example.org") == 200  # behind a TLS proxy
    assert await handshake(ALLOWED) == 200  # a configured cross-origin caller
    assert await handshake("https://evil.example.net") == 400
    assert await handshake("https://evil.example.net", host="192.168.1.20:3000") == 400
