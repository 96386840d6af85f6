"""The enforced waiting room and one-use invite links."""

from __future__ import annotations

import pytest
from rooms_support import T0, join

from store.rooms import (
    InviteInvalid,
    Meeting,
    MeetingFull,
    MeetingLocked,
    NotHost,
    Registry,
    Sid,
    ValidationError,
    WaitingNotFound,
    WaitingRoomRequired,
)
from store.rooms.events import Admitted, Denied, ParticipantJoined, ParticipantLeft, WaitingAdded, WaitingRemoved
from store.rooms.tokens import hash_token


@pytest.fixture
def door(meeting: Meeting, host: ParticipantJoined) -> Meeting:
    """An active meeting with a seated host and the waiting room on."""
    meeting.update_settings({"waitingRoom": True})
    return meeting


def test_no_waiting_room_waves_through(meeting: Meeting) -> None:
    result = meeting.waiting_join(Sid("a"), "Ann", T0)
    assert result == Admitted(meeting.id, Sid("a"), "Ann", 0, bypassed=True)
    assert meeting.waiting.entries == {}
    assert meeting.index.queue(Sid("a")) is None


def test_waiting_join_queues_and_counts(door: Meeting) -> None:
    first = door.waiting_join(Sid("a"), "  Ann ", T0)
    second = door.waiting_join(Sid("b"), None, T0)
    assert first == WaitingAdded(door.id, Sid("a"), "Ann", 1)
    assert second == WaitingAdded(door.id, Sid("b"), "Anonymous", 2)
    assert door.index.queue(Sid("a")) == door.id
    again = door.waiting_join(Sid("a"), "Ann", T0)
    assert isinstance(again, WaitingAdded) and again.count == 2


def test_locked_meeting_refuses_the_queue(door: Meeting) -> None:
    door.lock()
    with pytest.raises(MeetingLocked):
        door.waiting_join(Sid("a"), "Ann", T0)
    assert door.waiting.count == 0


def test_admit_then_join_once(door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    with pytest.raises(WaitingRoomRequired):
        join(door, "a")
    admitted = door.admit(Sid("host"), "a")
    assert admitted == Admitted(door.id, Sid("a"), "Ann", 0)
    assert door.waiting_join(Sid("a"), "Ann", T0) == Admitted(door.id, Sid("a"), "Ann", 0, bypassed=True)
    joined = join(door, "a", "Ann")
    assert joined.participant.sid == "a"
    assert door.index.queue(Sid("a")) is None
    assert Sid("a") not in door.waiting.admitted
    door.leave(Sid("a"), T0)
    with pytest.raises(WaitingRoomRequired):
        join(door, "a")


def test_deny_removes_from_queue(door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    door.waiting_join(Sid("b"), "Ben", T0)
    assert door.deny(Sid("host"), "a") == Denied(door.id, Sid("a"), "Ann", 1)
    assert list(door.waiting.entries) == ["b"]
    assert door.index.queue(Sid("a")) is None
    with pytest.raises(WaitingRoomRequired):
        join(door, "a")


@pytest.mark.parametrize("action", ["admit", "deny"])
@pytest.mark.parametrize("caller", ["guest", "stranger", "a"])
def test_only_hosts_admit_or_deny(door: Meeting, action: str, caller: str) -> None:
    # Claims admin with a wrong token: seated (by invite) as an ordinary guest.
    join(door, "guest", is_admin=True, admin_token="wrong", invite_token=door.create_invite(T0, 60_000))
    door.waiting_join(Sid("a"), "Ann", T0)
    with pytest.raises(NotHost):
        getattr(door, action)(Sid(caller), "a")
    assert list(door.waiting.entries) == ["a"]


@pytest.mark.parametrize("action", ["admit", "deny"])
@pytest.mark.parametrize("target", ["nobody", None, 12, ["a"]])
def test_admit_or_deny_someone_not_waiting(door: Meeting, action: str, target: object) -> None:
    with pytest.raises(WaitingNotFound):
        getattr(door, action)(Sid("host"), target)


def test_disconnect_while_waiting(registry: Registry, door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    door.waiting_join(Sid("b"), "Ben", T0)
    assert registry.disconnect(Sid("a"), T0) == [WaitingRemoved(door.id, Sid("a"), "Ann", 1)]
    assert door.index.queue(Sid("a")) is None
    assert registry.disconnect(Sid("a"), T0) == []


def test_disconnect_after_admission_forgets_the_pass(registry: Registry, door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    door.admit(Sid("host"), "a")
    assert registry.disconnect(Sid("a"), T0) == []
    assert door.waiting.admitted == set()
    assert door.index.queue(Sid("a")) is None


def test_switching_waiting_room_off_admits_everyone(door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    door.waiting_join(Sid("b"), "Ben", T0)
    updated = door.update_settings({"waitingRoom": False})
    assert [(a.sid, a.count) for a in updated.admitted] == [("a", 1), ("b", 0)]
    assert door.waiting.count == 0
    join(door, "a")


def test_waiting_seated_socket_is_waved_through(door: Meeting) -> None:
    result = door.waiting_join(Sid("host"), "Hannah", T0)
    assert isinstance(result, Admitted) and result.bypassed


# -- invites -------------------------------------------------------------


def test_invite_lets_one_guest_past_the_waiting_room(door: Meeting) -> None:
    raw = door.create_invite(T0, 60_000)
    assert raw not in door.invites.expiry_by_hash
    assert door.invites.expiry_by_hash == {hash_token(raw): T0 + 60_000}
    assert join(door, "a", invite_token=raw).participant.sid == "a"
    assert door.invites.expiry_by_hash == {}
    with pytest.raises(InviteInvalid):
        join(door, "b", invite_token=raw)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (59_999, True), (60_000, False), (3_600_000, False)])
def test_invite_expiry(door: Meeting, age: int, ok: bool) -> None:
    raw = door.create_invite(T0, 60_000)
    if ok:
        join(door, "a", invite_token=raw, now_ms=T0 + age)
    else:
        with pytest.raises(InviteInvalid):
            join(door, "a", invite_token=raw, now_ms=T0 + age)
        assert door.participant_for_sid(Sid("a")) is None


def test_invite_not_spent_when_not_needed(meeting: Meeting) -> None:
    raw = meeting.create_invite(T0, 60_000)
    join(meeting, "a", invite_token=raw)
    assert hash_token(raw) in meeting.invites.expiry_by_hash


def test_invite_not_spent_by_a_refused_join(door: Meeting) -> None:
    raw = door.create_invite(T0, 60_000)
    door.update_settings({"maxParticipants": 2})
    join(door, "filler", invite_token=door.create_invite(T0, 60_000))
    with pytest.raises(MeetingFull):
        join(door, "a", invite_token=raw)
    assert hash_token(raw) in door.invites.expiry_by_hash


@pytest.mark.parametrize("ttl", [0, -1, True, 1.5, "60"])
def test_invite_lifetime_must_be_positive_ms(meeting: Meeting, ttl: object) -> None:
    with pytest.raises(ValidationError):
        meeting.create_invite(T0, ttl)  # type: ignore[arg-type]


def test_expired_invites_are_pruned(meeting: Meeting) -> None:
    old = meeting.create_invite(T0, 1_000)
    meeting.create_invite(T0 + 2_000, 1_000)
    assert hash_token(old) not in meeting.invites.expiry_by_hash
    assert len(meeting.invites.expiry_by_hash) == 1


def test_leaving_host_still_leaves_queue_intact(door: Meeting) -> None:
    door.waiting_join(Sid("a"), "Ann", T0)
    events = door.leave(Sid("host"), T0)
    assert isinstance(events[-1], ParticipantLeft) and events[-1].meeting_now_empty
    assert list(door.waiting.entries) == ["a"]
