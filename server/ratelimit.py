"""Per-client-IP rate limits on the ``limits`` library (memory now, Redis when REDIS_URL is set)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from server.settings import Settings
from store.errors import RateLimited

MESSAGES = {
    "auth": "Too many login attempts — please try again in 15 minutes",
    "reset": "Too many reset requests — please try again in 15 minutes",
    "api": "Too many requests",
    "guest": "Too many guest meetings — please create a free account for more",
}


@dataclass
class Verdict:
    headers: dict[str, str]
    allowed: bool


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        uri = f"async+{settings.redis_url}" if settings.redis_url else "async+memory://"
        self.storage: Storage = storage_from_string(uri)  # type: ignore[assignment]
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.items: dict[str, RateLimitItem] = {
            name: parse(getattr(settings.rate_limits, name)) for name in MESSAGES
        }

    async def check(self, name: str, client: str) -> Verdict:
        item = self.items[name]
        allowed = await self.strategy.hit(item, name, client)
        reset_at, remaining = await self.strategy.get_window_stats(item, name, client)
        reset_in = max(0, math.ceil(reset_at - time.time()))
        limit = str(item.amount)
        headers = {
            "RateLimit-Limit": limit,
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset_in),
            "RateLimit-Policy": f"{item.amount};w={item.get_expiry()}",
            "X-RateLimit-Limit": limit,
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(reset_at)),
        }
        if not allowed:
            headers["Retry-After"] = str(reset_in)
        return Verdict(headers, allowed)


class RateLimitExceeded(RateLimited):
    def __init__(self, name: str, headers: dict[str, str]) -> None:
        super().__init__(MESSAGES[name])
        self.headers = headers
