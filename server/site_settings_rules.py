"""The admin's view of site settings: the original's string map, translated once to typed storage.

The original keeps every setting as a string ("true", "0.004"); we store booleans,
integers and integer micro-dollars (``store/mongo/site_settings.py``). Amounts are parsed
exactly with ``Decimal`` (never float) and every key of a change is checked before
any is written, so a rejected change leaves nothing half-applied.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from store.errors import InvalidInput
from store.mongo.site_settings import SiteSettings
from store.rooms.billing import MICROS_PER_USD
from store.rooms.settings import MAX_PARTICIPANTS, MIN_PARTICIPANTS

BOOLEAN_KEYS = (
    "recording_enabled", "screen_share_enabled", "blur_enabled", "registration_enabled",
    "guest_meetings_enabled", "captions_enabled",
)
MICRO = Decimal(1).scaleb(-6)
AMOUNT_TEXT_MAX = 40
PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
"""What a number may look like: ``Decimal`` alone also reads "1_000" and non-ASCII digits."""


@dataclass(frozen=True)
class Money:
    """A dollar setting shown as a decimal string and stored in micro-dollars."""

    stored_as: str
    max_usd: Decimal
    min_places: int
    """Decimal places always shown ("5.00"); more appear when the value needs them ("0.004")."""


MONEY_KEYS = {
    "meeting_cost_per_participant_minute": Money("meeting_cost_micros_per_participant_minute", Decimal(100), 0),
    "signup_credit_usd": Money("signup_credit_micros", Decimal(100_000), 2),
    "low_balance_threshold_usd": Money("low_balance_threshold_micros", Decimal(100_000), 2),
}
MAX_PARTICIPANTS_KEY = "max_participants_default"
KNOWN_KEYS = (*BOOLEAN_KEYS, MAX_PARTICIPANTS_KEY, *MONEY_KEYS)


def render_usd(micros: int, min_places: int) -> str:
    amount = (Decimal(micros) / MICROS_PER_USD).normalize()
    places = max(min_places, -int(amount.as_tuple().exponent))
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def wire_settings(stored: dict[str, Any]) -> dict[str, str]:
    """The GET /admin/api/settings map: every known key as the original's string."""
    wire = {key: "true" if stored[key] else "false" for key in BOOLEAN_KEYS}
    wire[MAX_PARTICIPANTS_KEY] = str(int(stored[MAX_PARTICIPANTS_KEY]))
    for key, money in MONEY_KEYS.items():
        wire[key] = render_usd(int(stored[money.stored_as]), money.min_places)
    return wire


def _boolean(key: str, value: object) -> bool:
    if value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    raise InvalidInput(f"{key} must be true or false", code="invalid_setting")


def _decimal(key: str, value: object) -> Decimal:
    """A finite, non-negative decimal from a JSON number or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{key} must be a non-negative number", code="invalid_setting")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        amount = Decimal(text) if len(text) <= AMOUNT_TEXT_MAX and PLAIN_NUMBER.match(text) else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"{key} must be a non-negative number", code="invalid_setting")
    return amount


def _money(key: str, value: object, money: Money) -> int:
    amount = _decimal(key, value)
    if amount > money.max_usd:
        raise InvalidInput(f"{key} must be at most {money.max_usd}", code="invalid_setting")
    if amount.quantize(MICRO) != amount:
        raise InvalidInput(f"{key} must have at most 6 decimal places", code="invalid_setting")
    return int(amount * MICROS_PER_USD)


def _max_participants(key: str, value: object) -> int:
    amount = _decimal(key, value)
    if amount != amount.to_integral_value() or not MIN_PARTICIPANTS <= amount <= MAX_PARTICIPANTS:
        raise InvalidInput(
            f"{key} must be an integer between {MIN_PARTICIPANTS} and {MAX_PARTICIPANTS}", code="invalid_setting"
        )
    return int(amount)


def typed_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The storage changes a PATCH body asks for; unknown keys are ignored, as the original does."""
    changes: dict[str, Any] = {}
    for key in KNOWN_KEYS:
        if key not in body:
            continue
        value = body[key]
        if key in BOOLEAN_KEYS:
            changes[key] = _boolean(key, value)
        elif key == MAX_PARTICIPANTS_KEY:
            changes[key] = _max_participants(key, value)
        else:
            money = MONEY_KEYS[key]
            changes[money.stored_as] = _money(key, value, money)
    if not changes:
        raise InvalidInput("No valid settings provided", code="no_valid_settings")
    return changes


async def update_settings(store: SiteSettings, body: dict[str, Any]) -> None:
    for key, value in typed_changes(body).items():
        await store.set(key, value)
