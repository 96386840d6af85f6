"""Admin-editable settings (the original's ``settings`` table), with typed defaults."""
from __future__ import annotations

from typing import Any

from store.mongo.database import Database

DEFAULTS: dict[str, Any] = {
    "recording_enabled": True,
    "screen_share_enabled": True,
    "blur_enabled": True,
    "registration_enabled": True,
    "guest_meetings_enabled": True,
    "captions_enabled": True,
    "max_participants_default": 50,
    # Money in integer micro-dollars: $0.004 per participant-minute, $5 sign-up credit, $2 alert.
    "meeting_cost_micros_per_participant_minute": 4000,
    "signup_credit_micros": 5_000_000,
    "low_balance_threshold_micros": 2_000_000,
}


class SiteSettings:
    def __init__(self, database: Database) -> None:
        self.settings = database.db.site_settings

    async def all(self) -> dict[str, Any]:
        values = dict(DEFAULTS)
        async for doc in self.settings.find({}):
            if doc["_id"] in DEFAULTS:
                values[doc["_id"]] = doc["value"]
        return values

    async def get(self, key: str) -> Any:
        doc = await self.settings.find_one({"_id": key})
        return DEFAULTS[key] if doc is None else doc["value"]

    async def set(self, key: str, value: Any) -> None:
        await self.settings.update_one({"_id": key}, {"$set": {"value": value}}, upsert=True)
