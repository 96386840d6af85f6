"""Fixtures for the pure domain tests of ``store/rooms`` (no I/O, no event loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rooms_support import T0

from store.rooms import Meeting, Registry, Settings, Sid
from store.rooms.events import ParticipantJoined


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def make_meeting(registry: Registry) -> Callable[..., tuple[Meeting, str]]:
    """Create a meeting with wire-format settings; returns (meeting, raw admin token)."""

    def make(settings: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Meeting, str]:
        kwargs.setdefault("now_ms", T0)
        return registry.create(settings=Settings.from_wire(settings or {}), **kwargs)

    return make


@pytest.fixture
def meeting_and_token(make_meeting: Callable[..., tuple[Meeting, str]]) -> tuple[Meeting, str]:
    return make_meeting(title="Team Standup")


@pytest.fixture
def meeting(meeting_and_token: tuple[Meeting, str]) -> Meeting:
    return meeting_and_token[0]


@pytest.fixture
def token(meeting_and_token: tuple[Meeting, str]) -> str:
    return meeting_and_token[1]


@pytest.fixture
def host(meeting: Meeting, token: str) -> ParticipantJoined:
    """An admin seated as socket ``host``."""
    return meeting.join(Sid("host"), "Hannah", now_ms=T0, is_admin=True, admin_token=token)
