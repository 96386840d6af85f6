"""Billing arithmetic in integer micro-dollars (contract §5.5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.rooms import DEFAULT_RATE_MICROS, duration_minutes, format_usd, meeting_cost_micros

MINUTE = 60_000
ONE_CENT_RATE = 10_000  # $0.01 per participant-minute, the original's seed rate


@pytest.mark.parametrize(
    ("duration_ms", "peak", "rate", "usd"),
    [
        (10 * MINUTE, 3, ONE_CENT_RATE, "0.3000"),
        (MINUTE // 2, 2, ONE_CENT_RATE, "0.0100"),
        (7 * MINUTE, 3, ONE_CENT_RATE, "0.2100"),
        (30 * MINUTE, 4, DEFAULT_RATE_MICROS, "0.4800"),
        (10 * MINUTE, 0, ONE_CENT_RATE, "0.1000"),  # nobody came: billed as one
        (0, 5, ONE_CENT_RATE, "0.0000"),
        (-5, 5, ONE_CENT_RATE, "0.0000"),
        (750, 1, DEFAULT_RATE_MICROS, "0.0001"),  # exactly $0.00005: half rounds up
        (749, 1, DEFAULT_RATE_MICROS, "0.0000"),  # just under half: too small to charge
        (1_234_567, 7, 3_333, "0.4801"),  # 480,061.4 micro-dollars → $0.4801
    ],
)
def test_meeting_cost(duration_ms: int, peak: int, rate: int, usd: str) -> None:
    micros = meeting_cost_micros(duration_ms, peak, rate)
    assert micros % 100 == 0
    assert format_usd(micros) == usd


def test_default_rate_is_four_tenths_of_a_cent() -> None:
    assert meeting_cost_micros(MINUTE, 1) == 4_000


@pytest.mark.parametrize("bad", [1.5, "10", True, None])
def test_cost_refuses_non_integers(bad: object) -> None:
    with pytest.raises(TypeError):
        meeting_cost_micros(bad, 1, 4_000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        meeting_cost_micros(MINUTE, bad, 4_000)  # type: ignore[arg-type]


def test_negative_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        meeting_cost_micros(MINUTE, 1, -1)


@pytest.mark.parametrize(
    ("micros", "places", "text"),
    [
        (0, 4, "0.0000"),
        (25_000_000, 4, "25.0000"),
        (12_000, 4, "0.0120"),
        (-12_000, 4, "-0.0120"),
        (50, 4, "0.0001"),
        (49, 4, "0.0000"),
        (-10, 4, "0.0000"),
        (1_234_567, 2, "1.23"),
        (1_235_000, 2, "1.24"),
        (1, 6, "0.000001"),
    ],
)
def test_format_usd(micros: int, places: int, text: str) -> None:
    assert format_usd(micros, places) == text


@pytest.mark.parametrize(
    ("duration_ms", "minutes"),
    [(30 * MINUTE, "30.00"), (MINUTE // 2, "0.50"), (299, "0.00"), (300, "0.01"), (0, "0.00"), (-1, "0.00")],
)
def test_duration_minutes(duration_ms: int, minutes: str) -> None:
    assert duration_minutes(duration_ms) == Decimal(minutes)
    assert str(duration_minutes(duration_ms)) == minutes
