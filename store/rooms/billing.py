"""Meeting charges in integer micro-dollars (contract §5.5).

Money is never a float: onepizza rounded ``mins × peak × rate`` to four
decimals with ``Math.round``; we compute the same figure exactly in integers
(half-up, which equals ``Math.round`` for the non-negative amounts we bill)
and render the contract's decimal strings with ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_USD = 1_000_000
DEFAULT_RATE_MICROS = 4_000
"""$0.004 per participant-minute, the documented default."""
_MS_PER_MINUTE = 60_000
_CENT_HUNDREDTH = 100
"""$0.0001 in micro-dollars: charges are whole multiples of it."""


def meeting_cost_micros(
    duration_ms: int, peak: int, rate_micros_per_participant_minute: int = DEFAULT_RATE_MICROS
) -> int:
    """duration (minutes) × (peak, or 1 if nobody came) × rate, half-up to $0.0001.

    A result of 0 means "too small to charge": onepizza writes nothing when
    the cost is under $0.0001.
    """
    for name, value in (
        ("duration_ms", duration_ms),
        ("peak", peak),
        ("rate", rate_micros_per_participant_minute),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int")
    if rate_micros_per_participant_minute < 0:
        raise ValueError("rate must not be negative")
    exact_numerator = max(duration_ms, 0) * max(peak, 1) * rate_micros_per_participant_minute
    denominator = _MS_PER_MINUTE * _CENT_HUNDREDTH
    steps = (2 * exact_numerator + denominator) // (2 * denominator)
    return steps * _CENT_HUNDREDTH


def format_usd(micros: int, places: int = 4) -> str:
    """``25.0000``-style string (the NUMERIC scale onepizza's JSON shows)."""
    amount = (Decimal(micros) / MICROS_PER_USD).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if amount.is_zero():
        amount = abs(amount)
    return f"{amount:f}"


def duration_minutes(duration_ms: int) -> Decimal:
    """Minutes to two places (``Decimal('30.00')``), for history rows and webhooks."""
    minutes = Decimal(max(duration_ms, 0)) / _MS_PER_MINUTE
    return minutes.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
