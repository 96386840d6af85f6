"""Health probes, /api/config and /api/config/ice-servers (contract §3.1)."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp.test_utils import TestClient

from server.settings import RateLimits, Settings
from store.mongo.embedded import EmbeddedMongo
from tests.http.http_support import ISO_MS, database

if TYPE_CHECKING:
    from tests.conftest import StartServer

GOOGLE_STUN = [{"urls": "stun:stun.l.google.com:19302"}, {"urls": "stun:stun1.l.google.com:19302"}]


async def test_health(api: TestClient) -> None:
    resp = await api.get("/health")
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"status", "uptime", "timestamp", "meetings", "db"}
    assert body["status"] == "ok" and body["db"] == "connected"
    assert isinstance(body["uptime"], int | float) and 0 <= body["uptime"] < 60
    assert body["meetings"] == 0
    assert ISO_MS.match(body["timestamp"])
    stamp = datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - stamp) < timedelta(seconds=30)
    await asyncio.sleep(0.05)
    assert (await (await api.get("/health")).json())["uptime"] > body["uptime"]


async def test_liveness_and_readiness(api: TestClient) -> None:
    resp = await api.get("/health/liveness")
    assert resp.status == 200 and await resp.json() == {"status": "ok", "alive": True}
    resp = await api.get("/health/readiness")
    assert resp.status == 200 and await resp.json() == {"status": "ok", "db": "connected", "ready": True}


async def test_health_is_not_rate_limited(start_server: StartServer) -> None:
    api = await start_server(rate_limits=RateLimits(api="2/minute"), admin_email=None)
    statuses = [(await api.get(path)).status for _ in range(5) for path in ("/health", "/health/readiness")]
    assert statuses == [200] * 10
    assert "RateLimit-Limit" not in (await api.get("/health")).headers


async def test_health_and_readiness_answer_503_when_the_database_is_down(start_server: StartServer) -> None:
    mongo = EmbeddedMongo(None)
    await mongo.start()
    try:
        api = await start_server(mongodb_url=mongo.url, admin_email=None)
        assert (await api.get("/health/readiness")).status == 200
    finally:
        await mongo.stop()
    # Each ping waits for its timeout, so ask all at once.
    health, ready, live = await asyncio.gather(
        api.get("/health"), api.get("/health/readiness"), api.get("/health/liveness")
    )
    assert health.status == 503
    assert await health.json() == {"status": "error", "error": "Database unavailable", "db": "unavailable"}
    assert ready.status == 503
    assert await ready.json() == {"status": "error", "db": "unavailable", "ready": False}
    assert live.status == 200


async def test_client_config(api: TestClient, settings: Settings) -> None:
    resp = await api.get("/api/config")
    assert resp.status == 200
    off = {"guestMeetingsEnabled": True, "cardPaymentsEnabled": False, "usdcDepositsEnabled": False}
    assert await resp.json() == {
        "recordingEnabled": True, "screenShareEnabled": True, "blurEnabled": True, "registrationEnabled": True, **off,
    }
    async with database(settings) as db:
        for key in ("registration_enabled", "blur_enabled", "guest_meetings_enabled"):
            await db.site_settings.update_one({"_id": key}, {"$set": {"value": False}}, upsert=True)
    assert await (await api.get("/api/config")).json() == {
        "recordingEnabled": True, "screenShareEnabled": True, "blurEnabled": False, "registrationEnabled": False,
        **off, "guestMeetingsEnabled": False,
    }


async def test_client_config_says_which_payments_this_server_takes(start_server: StartServer) -> None:
    api = await start_server(stripe_secret_key="sk_test_x", crypto_mnemonic="test " * 11 + "junk")
    config = await (await api.get("/api/config")).json()
    assert config["cardPaymentsEnabled"] is True and config["usdcDepositsEnabled"] is True


async def test_ice_servers_without_turn(api: TestClient) -> None:
    resp = await api.get("/api/config/ice-servers")
    assert resp.status == 200
    assert await resp.json() == {"iceServers": GOOGLE_STUN}


async def test_ice_servers_with_turn(start_server: StartServer) -> None:
    api = await start_server(
        turn_urls=("turn:turn.example.com:3478", "turns:turn.example.com:5349?transport=tcp"),
        turn_username="alice", turn_credential="s3cret", admin_email=None,
    )
    body = await (await api.get("/api/config/ice-servers")).json()
    assert body == {"iceServers": [
        *GOOGLE_STUN,
        {"urls": ["turn:turn.example.com:3478", "turns:turn.example.com:5349?transport=tcp"],
         "username": "alice", "credential": "s3cret"},
    ]}


async def test_ice_servers_with_turn_and_no_credentials(start_server: StartServer) -> None:
    api = await start_server(turn_urls=("turn:turn.example.com:3478",), admin_email=None)
    body = await (await api.get("/api/config/ice-servers")).json()
    assert body["iceServers"][-1] == {"urls": ["turn:turn.example.com:3478"], "username": "", "credential": ""}


async def test_settings_parse_turn_urls() -> None:
    settings = Settings.from_env({"TURN_URLS": " turn:a.example:3478 , turns:b.example:5349,,", "TURN_USERNAME": "u"})
    assert settings.turn_urls == ("turn:a.example:3478", "turns:b.example:5349")
    assert settings.turn_username == "u" and settings.turn_credential == ""


def test_settings_never_print_their_secrets() -> None:
    """A Settings in a log line or a traceback must not carry keys, passwords or the mnemonic."""
    secrets = {
        "SESSION_SECRET": "session-secret-" + "s" * 20, "ADMIN_PASSWORD": "admin-password-value",
        "RESEND_API_KEY": "re_resend_key_value", "STRIPE_SECRET_KEY": "sk_test_stripe_value",
        "STRIPE_WEBHOOK_SECRET": "whsec_stripe_value", "TURN_CREDENTIAL": "turn-credential-value",
        "CRYPTO_MNEMONIC": "abandon abandon about", "ETH_RPC_URL": "https://node.example/v3/rpc-key-value",
        "WEBHOOK_SECRET_KEY": "webhook-secret-key-value", "MONGODB_URL": "mongodb://user:db-password@db.example",
        "REDIS_URL": "redis://:redis-password@cache.example",
    }
    settings = Settings.from_env(secrets)
    assert settings.stripe_secret_key == "sk_test_stripe_value"  # read, just not printed
    printed = repr(settings)
    for name, value in secrets.items():
        assert value not in printed, name
