"""Constants and helpers shared by the ``test_rooms_*`` modules."""

from __future__ import annotations

from typing import Any

from store.rooms import Meeting, Sid
from store.rooms.events import ParticipantJoined

T0 = 1_772_366_400_000
"""2026-03-01T12:00:00Z: every test's "now"."""
APRIL_FIRST_2PM = 1_775_052_000_000
"""2026-04-01T14:00:00Z."""


def join(meeting: Meeting, sid: str, name: object = "Guest", **kwargs: Any) -> ParticipantJoined:
    """Join with test defaults (now = T0)."""
    kwargs.setdefault("now_ms", T0)
    return meeting.join(Sid(sid), name, **kwargs)
