"""The outbox worker: claims due deliveries, POSTs them signed, records each attempt, schedules retries.

Success is a 2xx. A network error, a timeout, a 5xx or a 429 is retried on a backoff schedule
(10 attempts over about 24 h, with jitter, ``Retry-After`` honoured up to a cap); any other answer
(3xx included: redirects are not followed) fails the delivery at once, since a receiver that
refuses a body will refuse it again. A receiver whose address is internal is refused before any
byte is sent ("blocked address").
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.exceptions import InvalidTag
from yarl import URL

from server.settings import Settings
from server.webhook_signing import SecretBox, signature_headers
from server.webhook_urls import GuardedResolver, blocked_cause, is_internal, literal_ip
from store.mongo.webhooks import Delivery, WebhookStore

log = logging.getLogger(__name__)

BACKOFF_S = (5, 30, 120, 600, 1800, 3600, 7200, 21600, 50400)
"""Wait after the 1st … 9th failed attempt: 10 attempts over about 23.7 hours (before jitter)."""
MAX_ATTEMPTS = len(BACKOFF_S) + 1
JITTER = 0.2
"""Each wait is stretched or shrunk by up to 20 %, so receivers that failed together do not all retry together."""
RETRY_AFTER_CAP_S = 3600
LEASE_MARGIN_S = 30
BATCH = 8
"""Deliveries sent concurrently: one slow receiver (up to the timeout) does not hold up the rest."""
ERROR_MAX = 200
PRUNE_EVERY_S = 3600.0
"""Finished deliveries past ``webhook_delivery_retention_days`` are deleted at start-up and then hourly."""
DAY_MS = 86_400_000
USER_AGENT = "Slice-Webhooks/1"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.status_code is None:
            return self.error not in ("blocked address", "secret unreadable")
        return self.status_code == 429 or self.status_code >= 500


def retry_delay_s(attempt_in_round: int, scale: float, retry_after_s: float | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt_in_round`` (1-based)."""
    base = BACKOFF_S[min(attempt_in_round, len(BACKOFF_S)) - 1] * scale
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, RETRY_AFTER_CAP_S * scale))
    return delay


def _retry_after(raw: str | None) -> float | None:
    """Delay-seconds only (an HTTP date is ignored: the backoff applies); ASCII, or float() may refuse it."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return float(text)


class DeliveryWorker:
    def __init__(self, store: WebhookStore, settings: Settings, box: SecretBox,
                 before_round: Callable[[], Awaitable[None]] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.box = box
        self.before_round = before_round
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.pruned_at: float | None = None

    def poke(self) -> None:
        """Something was enqueued: send it now rather than at the next poll."""
        self.wake.set()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(allow_private=self.settings.webhook_allow_private), use_dns_cache=False,
        )
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds),
            headers={"User-Agent": USER_AGENT}, trust_env=False,
        )
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        if self.session is not None:
            await self.session.close()

    async def _loop(self) -> None:
        while True:
            self.wake.clear()
            try:
                if self.before_round is not None:
                    await self.before_round()
                await self.prune()
                while await self.run_batch():
                    pass
            except Exception:
                log.exception("webhook delivery round failed")
            try:
                await asyncio.wait_for(self.wake.wait(), self.settings.webhook_poll_interval_seconds)
            except TimeoutError:
                pass

    async def prune(self) -> None:
        """Keeps the outbox bounded: what was delivered or gave up is only history after a while."""
        if self.pruned_at is not None and time.monotonic() - self.pruned_at < PRUNE_EVERY_S:
            return
        self.pruned_at = time.monotonic()
        cutoff = now_ms() - self.settings.webhook_delivery_retention_days * DAY_MS
        removed = await self.store.prune_finished(cutoff)
        if removed:
            log.info("old webhook deliveries pruned", extra={"count": removed})

    async def run_batch(self) -> bool:
        """Claim and send up to ``BATCH`` due deliveries; False when none was due."""
        lease_ms = int((self.settings.webhook_timeout_seconds + LEASE_MARGIN_S) * 1000)
        claimed = []
        for _ in range(BATCH):
            one = await self.store.claim_due(now_ms(), lease_ms)
            if one is None:
                break
            claimed.append(one)
        if claimed:
            await asyncio.gather(*(self.deliver(one) for one in claimed))
        return len(claimed) == BATCH

    async def deliver(self, claimed: Delivery) -> None:
        try:
            hook = await self.store.get_hook(claimed["webhook_id"])
            if hook is None or not hook.get("is_active"):
                await self.store.drop(claimed)
                return
            outcome = await self.attempt(hook, claimed)
        except asyncio.CancelledError:
            # Shutting down mid-attempt: hand the delivery back so the next process sends it now
            # (awaited here, so it is done before the database closes).
            try:
                await self.store.release(claimed)
            except Exception:
                log.warning("could not release a webhook delivery; it is retried when its lease ends",
                            extra={"delivery": claimed["_id"]})
            raise
        await self.record(claimed, outcome)

    async def attempt(self, hook: dict[str, Any], claimed: Delivery) -> Outcome:
        started = time.monotonic()
        try:
            secret = self.box.open(hook["_id"], hook["secret_enc"])
        except (InvalidTag, ValueError):
            log.error("webhook secret cannot be decrypted (was WEBHOOK_SECRET_KEY or SESSION_SECRET changed?)",
                      extra={"webhook": hook["_id"]})
            return Outcome(None, "secret unreadable", 0)
        ip = literal_ip(URL(hook["url"]).host or "")
        if ip is not None and is_internal(ip, allow_private=self.settings.webhook_allow_private):
            return Outcome(None, "blocked address", 0)
        headers = signature_headers(secret, delivery_id=claimed["_id"], event=claimed["event"],
                                    body=claimed["body"], timestamp_s=int(time.time()))
        assert self.session is not None
        try:
            async with self.session.post(hook["url"], data=claimed["body"].encode("utf-8"), headers=headers,
                                         allow_redirects=False) as resp:
                return Outcome(resp.status, None, _since(started), _retry_after(resp.headers.get("Retry-After")))
        except TimeoutError:
            return Outcome(None, "timeout", _since(started))
        except aiohttp.ClientError as exc:
            if blocked_cause(exc):
                return Outcome(None, "blocked address", _since(started))
            return Outcome(None, f"connection error: {exc}"[:ERROR_MAX], _since(started))

    async def record(self, claimed: Delivery, outcome: Outcome) -> None:
        at = now_ms()
        entry = {"at_ms": at, "status_code": outcome.status_code, "duration_ms": outcome.duration_ms,
                 "error": outcome.error}
        in_round = claimed.get("attempts", 0) + 1 - claimed.get("round_start", 0)
        if outcome.delivered:
            await self.store.record_attempt(claimed, entry, status="delivered", next_attempt_ms=None,
                                            delivered_at_ms=at)
        elif outcome.retryable and in_round < MAX_ATTEMPTS:
            wait = retry_delay_s(in_round, self.settings.webhook_retry_scale, outcome.retry_after_s)
            await self.store.record_attempt(claimed, entry, status="pending", next_attempt_ms=at + int(wait * 1000),
                                            delivered_at_ms=None)
        else:
            await self.store.record_attempt(claimed, entry, status="failed", next_attempt_ms=None,
                                            delivered_at_ms=None)
            log.warning("webhook delivery failed", extra={"delivery": claimed["_id"], "error": outcome.error,
                                                          "status": outcome.status_code})


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
