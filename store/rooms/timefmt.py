"""Timestamp renderings the contract exposes.

Times are epoch milliseconds everywhere in the registry; these helpers give
the two string forms clients see. Integer arithmetic via ``timedelta`` keeps
millisecond values exact (no float division).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_datetime(ms: int) -> datetime:
    """Epoch milliseconds as an aware UTC datetime."""
    return _EPOCH + timedelta(milliseconds=ms)


def iso_utc(ms: int) -> str:
    """JS ``Date.toISOString()``: ``2026-04-01T14:00:00.000Z``."""
    moment = utc_datetime(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def js_locale_utc(ms: int) -> str:
    """JS ``toLocaleString('en-US', {timeZone: 'UTC'})``: ``4/1/2026, 2:00:00 PM``.

    The original used the server's zone; we fix UTC so the message is the same
    on every host. Recent ICU puts U+202F before AM/PM; we keep the plain space
    that the documented example shows.
    """
    moment = utc_datetime(ms)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year}, {hour}:{moment.minute:02d}:{moment.second:02d} {half}"
