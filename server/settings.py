"""Every setting of the process, read from the environment in this one place.

Nothing else in the code base reads ``os.environ``: the app factory receives a
``Settings`` value, so tests build one explicitly and production builds one
from the environment.
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SESSION_SECRET = "slice-dev-session-secret-change-me"
DEFAULT_ADMIN_PASSWORDS = frozenset({"", "Test321!", "admin", "changeme"})


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message names the variable."""


@dataclass(frozen=True)
class RateLimits:
    """Rate-limit strings in the ``limits`` library's notation."""

    auth: str = "10/15minutes"
    reset: str = "3/15minutes"
    api: str = "100/15minutes"
    guest: str = "5/hour"


@dataclass(frozen=True)
class Settings:
    port: int = 3000
    host: str = "0.0.0.0"
    production: bool = False
    app_url: str = "http://localhost:3000"
    allowed_origins: tuple[str, ...] = ()
    allowed_frame_ancestors: str = "'self'"
    session_secret: str = field(default=DEFAULT_SESSION_SECRET, repr=False)
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    resend_api_key: str | None = field(default=None, repr=False)
    mail_from: str = "Slice <noreply@slice.local>"
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_price_id: str | None = None
    stripe_api_base: str | None = None
    turn_urls: tuple[str, ...] = ()
    turn_username: str = ""
    turn_credential: str = field(default="", repr=False)
    crypto_mnemonic: str | None = field(default=None, repr=False)
    eth_rpc_url: str | None = field(default=None, repr=False)
    # USDC deposits (server/usdc_watcher.py): the token contract, how deep a block must be before its
    # transfers count, how often to poll, the widest eth_getLogs block range, and where the first run
    # starts (unset: at the current confirmed head, never from genesis).
    usdc_contract: str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    usdc_confirmations: int = 12
    usdc_poll_seconds: float = 15.0
    usdc_max_block_range: int = 2000
    usdc_start_block: int | None = None
    mongodb_url: str | None = field(default=None, repr=False)
    mongodb_db: str = "slice"
    data_dir: Path = Path("data")
    redis_url: str | None = field(default=None, repr=False)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    rate_limits: RateLimits = field(default_factory=RateLimits)
    max_body_bytes: int = 1024 * 1024
    # Files shared in a meeting's chat (POST /api/meetings/:id/files), each at most this size (the original: 50 MB).
    file_max_bytes: int = 50 * 1024 * 1024
    # A meeting whose last participant left ends after this grace period (the original: 60 s).
    empty_meeting_grace_seconds: float = 60.0
    # A socket that is in no meeting and no waiting room is closed after this long. The original
    # uses 30 s, which drops a person still choosing a camera in the lobby.
    idle_socket_timeout_seconds: float = 900.0
    invite_ttl_seconds: int = 7 * 24 * 3600
    scheduler_interval_seconds: float = 1.0
    log_requests: bool = True
    # Analytics events (admin dashboards) are kept this long; a TTL index removes older ones.
    analytics_retention_days: int = 90
    # The buffered analytics writer flushes this often (or sooner when a batch is full).
    analytics_flush_interval_seconds: float = 1.0
    # Webhooks: WEBHOOK_ALLOW_PRIVATE lets receivers on loopback/private addresses through the SSRF
    # check (development and tests only). The secret key encrypts endpoint secrets at rest (default:
    # derived from SESSION_SECRET). The retry scale multiplies the ~24 h backoff schedule (tests shrink it).
    webhook_allow_private: bool = False
    webhook_secret_key: str | None = field(default=None, repr=False)
    webhook_retry_scale: float = 1.0
    webhook_timeout_seconds: float = 5.0
    webhook_poll_interval_seconds: float = 5.0
    # Delivered and failed webhook deliveries older than this are pruned (pending ones are kept).
    webhook_delivery_retention_days: int = 30
    # The SFU's worker process logs at this level (stderr). Recordings (DATA_DIR/recordings) are
    # deleted this many days after they end; 0 keeps them until deleted through the API.
    media_log_level: str = "WARNING"
    # STUN/TURN URLs the SFU uses for its own candidates (a server behind NAT); none by default.
    media_stun_urls: tuple[str, ...] = ()
    recording_retention_days: int = 30

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        production = "production" in (env.get("ENV", ""), env.get("NODE_ENV", ""))
        port = _int(env, "PORT", 3000)
        limits = RateLimits(
            auth=env.get("RATE_LIMIT_AUTH", RateLimits.auth),
            reset=env.get("RATE_LIMIT_RESET", RateLimits.reset),
            api=env.get("RATE_LIMIT_API", RateLimits.api),
            guest=env.get("RATE_LIMIT_GUEST", RateLimits.guest),
        )
        settings = cls(
            port=port,
            host=env.get("HOST", "0.0.0.0"),
            production=production,
            app_url=env.get("APP_URL", f"http://localhost:{port}").rstrip("/"),
            allowed_origins=_list(env.get("ALLOWED_ORIGINS")),
            allowed_frame_ancestors=env.get("ALLOWED_FRAME_ANCESTORS", "'self'"),
            session_secret=env.get("SESSION_SECRET") or DEFAULT_SESSION_SECRET,
            admin_email=env.get("ADMIN_EMAIL") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
            resend_api_key=env.get("RESEND_API_KEY") or None,
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_price_id=env.get("STRIPE_PRICE_ID") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            turn_urls=_list(env.get("TURN_URLS")),
            turn_username=env.get("TURN_USERNAME", ""),
            turn_credential=env.get("TURN_CREDENTIAL", ""),
            crypto_mnemonic=env.get("CRYPTO_MNEMONIC") or None,
            eth_rpc_url=env.get("ETH_RPC_URL") or None,
            usdc_contract=env.get("USDC_CONTRACT") or cls.usdc_contract,
            usdc_confirmations=_int(env, "USDC_CONFIRMATIONS", 12),
            usdc_poll_seconds=_float(env, "USDC_POLL_SECONDS", 15.0),
            usdc_max_block_range=_int(env, "USDC_MAX_BLOCK_RANGE", 2000),
            usdc_start_block=_int(env, "USDC_START_BLOCK", -1) if env.get("USDC_START_BLOCK") else None,
            mongodb_url=env.get("MONGODB_URL") or None,
            mongodb_db=env.get("MONGODB_DB", "slice"),
            data_dir=Path(env.get("DATA_DIR", "data")),
            file_max_bytes=_int(env, "FILE_MAX_BYTES", 50 * 1024 * 1024),
            redis_url=env.get("REDIS_URL") or None,
            trusted_proxies=_networks(env.get("TRUSTED_PROXIES")),
            rate_limits=limits,
            log_requests=env.get("LOG_REQUESTS", "true").lower() != "false",
            empty_meeting_grace_seconds=_float(env, "EMPTY_MEETING_GRACE_SECONDS", 60.0),
            idle_socket_timeout_seconds=_float(env, "IDLE_SOCKET_TIMEOUT_SECONDS", 900.0),
            webhook_allow_private=env.get("WEBHOOK_ALLOW_PRIVATE", "false").lower() == "true",
            webhook_secret_key=env.get("WEBHOOK_SECRET_KEY") or None,
            webhook_retry_scale=_float(env, "WEBHOOK_RETRY_SCALE", 1.0),
            webhook_timeout_seconds=_float(env, "WEBHOOK_TIMEOUT_SECONDS", 5.0),
            webhook_poll_interval_seconds=_float(env, "WEBHOOK_POLL_INTERVAL_SECONDS", 5.0),
            webhook_delivery_retention_days=_int(env, "WEBHOOK_DELIVERY_RETENTION_DAYS", 30),
            analytics_retention_days=_int(env, "ANALYTICS_RETENTION_DAYS", 90),
            media_log_level=env.get("MEDIA_LOG_LEVEL", "WARNING").upper(),
            media_stun_urls=tuple(url.strip() for url in env.get("MEDIA_STUN_URLS", "").split(",") if url.strip()),
            recording_retention_days=_int(env, "RECORDING_RETENTION_DAYS", 30),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse to run in production with secrets left at their defaults."""
        if not self.production:
            return
        if self.session_secret == DEFAULT_SESSION_SECRET or len(self.session_secret) < 32:
            raise SettingsError("SESSION_SECRET must be set to a random value of at least 32 characters in production")
        if self.admin_password is None or self.admin_password in DEFAULT_ADMIN_PASSWORDS:
            raise SettingsError("ADMIN_PASSWORD must be set to a non-default value in production")

    def cautions(self) -> list[str]:
        """Settings that are allowed but unsafe where they are: logged as warnings at start-up."""
        found = []
        if self.production and self.webhook_allow_private:
            found.append(
                "WEBHOOK_ALLOW_PRIVATE=true in production: webhook receivers on loopback and private "
                "addresses are allowed, so any account can make this server call its internal network"
            )
        return found

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def _networks(raw: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in _list(raw))
    except ValueError as exc:
        raise SettingsError(f"TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs: {exc}") from exc
