"""Registry.join: one socket, one place; moving to another meeting only when the new join succeeds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rooms_support import T0

from store.rooms import (
    Meeting,
    MeetingFull,
    MeetingLocked,
    MeetingNotFound,
    Registry,
    Sid,
    WaitingRoomRequired,
)
from store.rooms.errors import DomainError
from store.rooms.events import ParticipantLeft, WaitingRemoved

Make = Callable[..., tuple[Meeting, str]]


def test_join_through_the_registry_seats_the_socket(registry: Registry, meeting: Meeting) -> None:
    joined, left, events = registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    assert (left, events) == (None, [])
    assert registry.by_sid(Sid("a"))[1].id == joined.participant.id


def test_moving_to_another_meeting_leaves_the_first(registry: Registry, meeting: Meeting, make_meeting: Make) -> None:
    other, _ = make_meeting()
    registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    registry.join(Sid("b"), meeting.id, "Bob", now_ms=T0)
    joined, left, events = registry.join(Sid("a"), other.id, "Ann", now_ms=T0 + 5)
    assert left is meeting
    assert [type(e) for e in events] == [ParticipantLeft]
    assert isinstance(events[0], ParticipantLeft) and events[0].participant.name == "Ann"
    assert [p.name for p in meeting.participants.values()] == ["Bob"]
    assert registry.by_sid(Sid("a"))[0] is other
    assert meeting.attendance[0].left_at == T0 + 5


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"locked": True}, MeetingLocked),
        ({"maxParticipants": 2}, MeetingFull),
        ({"waitingRoom": True}, WaitingRoomRequired),
    ],
)
def test_a_refused_move_leaves_the_socket_where_it_was(
    registry: Registry, meeting: Meeting, make_meeting: Make, settings: dict[str, object], error: type[DomainError]
) -> None:
    target, token = make_meeting(settings)
    for host in ("Host", "Cohost"):
        registry.join(Sid(host), target.id, host, now_ms=T0, is_admin=True, admin_token=token)
    joined, _, _ = registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    with pytest.raises(error):
        registry.join(Sid("a"), target.id, "Ann", now_ms=T0)
    assert registry.by_sid(Sid("a")) == (meeting, meeting.participants[joined.participant.id])
    assert [p.name for p in target.participants.values()] == ["Host", "Cohost"]


def test_a_move_to_an_unknown_meeting_changes_nothing(registry: Registry, meeting: Meeting) -> None:
    registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    with pytest.raises(MeetingNotFound):
        registry.join(Sid("a"), "nope", "Ann", now_ms=T0)
    assert registry.by_sid(Sid("a"))[0] is meeting


def test_a_waiter_elsewhere_gives_up_its_place_when_it_joins(
    registry: Registry, meeting: Meeting, make_meeting: Make
) -> None:
    lobby, _ = make_meeting({"waitingRoom": True})
    lobby.waiting_join(Sid("a"), "Ann", T0)
    _, left, events = registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    assert left is lobby
    assert [type(e) for e in events] == [WaitingRemoved]
    assert lobby.waiting.count == 0 and registry.queued_in(Sid("a")) is None


def test_a_refused_waiter_keeps_its_place_in_the_queue(
    registry: Registry, make_meeting: Make
) -> None:
    lobby, _ = make_meeting({"waitingRoom": True})
    locked, _ = make_meeting({"locked": True})
    lobby.waiting_join(Sid("a"), "Ann", T0)
    with pytest.raises(MeetingLocked):
        registry.join(Sid("a"), locked.id, "Ann", now_ms=T0)
    assert registry.queued_in(Sid("a")) is lobby and lobby.waiting.count == 1


def test_ending_a_meeting_never_frees_a_seat_in_another(registry: Registry, meeting: Meeting, make_meeting: Make) -> None:
    other, _ = make_meeting()
    registry.join(Sid("a"), meeting.id, "Ann", now_ms=T0)
    registry.join(Sid("a"), other.id, "Ann", now_ms=T0)
    registry.end(meeting.id, "done", T0)
    assert registry.by_sid(Sid("a"))[0] is other
