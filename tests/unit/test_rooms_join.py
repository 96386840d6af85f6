"""Join rules (contract §4.3 plus our fixes): order, admin detection, names, ghosts, peak."""

from __future__ import annotations

from typing import Any

import pytest
from rooms_support import APRIL_FIRST_2PM, T0, join

from store.rooms import (
    AlreadyInAnotherMeeting,
    InviteInvalid,
    LeaveReason,
    Meeting,
    MeetingFull,
    MeetingLocked,
    MeetingNotFound,
    MeetingScheduled,
    ParticipantNotFound,
    Registry,
    Settings,
    Sid,
    WaitingRoomRequired,
)
from store.rooms.events import Kicked, ParticipantLeft, RecordingStopped

# Each case: meeting state, who joins, and the first rule that must refuse (None: admitted).
# Several cases break more than one rule at once to pin the order of the checks.
JOIN_RULES: list[tuple[str, dict[str, Any], dict[str, Any], type[Exception] | None]] = [
    ("open meeting", {}, {}, None),
    ("ended", {"ended": True}, {}, MeetingNotFound),
    ("ended beats locked", {"ended": True, "locked": True}, {}, MeetingNotFound),
    ("scheduled", {"scheduled": True}, {}, MeetingScheduled),
    ("scheduled beats locked", {"scheduled": True, "locked": True}, {}, MeetingScheduled),
    ("scheduled even for admin", {"scheduled": True}, {"admin": True}, MeetingScheduled),
    ("locked", {"locked": True}, {}, MeetingLocked),
    ("locked, flag but wrong token", {"locked": True}, {"is_admin": True, "admin_token": "nope"}, MeetingLocked),
    ("locked, token but no flag", {"locked": True}, {"token_only": True}, MeetingLocked),
    ("locked, admin enters", {"locked": True}, {"admin": True}, None),
    ("locked beats full", {"locked": True, "full": True}, {}, MeetingLocked),
    ("full", {"full": True}, {}, MeetingFull),
    ("full, admins not exempt", {"full": True}, {"admin": True}, MeetingFull),
    ("full beats waiting room", {"full": True, "waitingRoom": True}, {}, MeetingFull),
    ("waiting room", {"waitingRoom": True}, {}, WaitingRoomRequired),
    ("waiting room, admin passes", {"waitingRoom": True}, {"admin": True}, None),
    ("waiting room, admitted sid passes", {"waitingRoom": True, "admitted": True}, {}, None),
    ("waiting room, valid invite passes", {"waitingRoom": True}, {"invite": "valid"}, None),
    ("waiting room, bogus invite", {"waitingRoom": True}, {"invite": "bogus"}, InviteInvalid),
    ("waiting room, empty invite is no invite", {"waitingRoom": True}, {"invite": ""}, WaitingRoomRequired),
    ("no waiting room, bogus invite ignored", {}, {"invite": "bogus"}, None),
    ("locked beats invite", {"locked": True, "waitingRoom": True}, {"invite": "valid"}, MeetingLocked),
]


def _arrange(registry: Registry, state: dict[str, Any]) -> tuple[Meeting, str]:
    """A two-seat meeting; when open, a host holds one seat (so admissions are possible)."""
    scheduled_at = APRIL_FIRST_2PM if state.get("scheduled") else None
    two_seats = Settings.from_wire({"maxParticipants": 2})
    meeting, token = registry.create(now_ms=T0, scheduled_at_ms=scheduled_at, settings=two_seats)
    if scheduled_at is None:
        meeting.join(Sid("host"), "Host", now_ms=T0, is_admin=True, admin_token=token)
    if state.get("full"):
        meeting.join(Sid("filler"), "Filler", now_ms=T0)
    if state.get("admitted"):
        meeting.update_settings({"waitingRoom": True})
        meeting.waiting_join(Sid("me"), "Me", T0)
        meeting.admit(Sid("host"), "me")
    meeting.settings = meeting.settings.patched({key: True for key in ("locked", "waitingRoom") if state.get(key)})
    if state.get("ended"):
        meeting.end("done", T0)
    return meeting, token


@pytest.mark.parametrize(("label", "state", "caller", "refusal"), JOIN_RULES, ids=[c[0] for c in JOIN_RULES])
def test_join_rules_in_order(
    registry: Registry, label: str, state: dict[str, Any], caller: dict[str, Any], refusal: type[Exception] | None
) -> None:
    meeting, token = _arrange(registry, state)
    kwargs: dict[str, Any] = {}
    if caller.get("admin"):
        kwargs.update(is_admin=True, admin_token=token)
    if caller.get("token_only"):
        kwargs.update(is_admin=False, admin_token=token)
    kwargs.update({k: v for k, v in caller.items() if k in ("is_admin", "admin_token")})
    if "invite" in caller:
        invite = caller["invite"]
        kwargs["invite_token"] = meeting.invites.create(T0, 60_000) if invite == "valid" else invite
    before = len(meeting.participants)
    if refusal is None:
        joined = join(meeting, "me", **kwargs)
        assert meeting.participants[joined.participant.id].sid == "me"
    else:
        with pytest.raises(refusal):
            join(meeting, "me", **kwargs)
        assert len(meeting.participants) == before
        assert meeting.participant_for_sid(Sid("me")) is None


def test_unknown_meeting_is_not_found(registry: Registry) -> None:
    with pytest.raises(MeetingNotFound) as caught:
        registry.get("abc-defg-hij")
    assert (caught.value.status, caught.value.message) == (404, "Meeting not found")


def test_scheduled_message_names_the_start_in_utc(registry: Registry) -> None:
    meeting, _ = registry.create(now_ms=T0, scheduled_at_ms=APRIL_FIRST_2PM)
    with pytest.raises(MeetingScheduled) as caught:
        join(meeting, "me")
    assert caught.value.message == ("This meeting is scheduled for 4/1/2026, 2:00:00 PM. Please wait until it starts.")
    assert caught.value.status == 409


@pytest.mark.parametrize(
    ("flag", "use_token", "expected"),
    [
        (True, True, True),
        ("yes", True, True),
        (1, True, True),
        (False, True, False),
        (None, True, False),
        (True, False, False),
    ],
)
def test_admin_needs_truthy_flag_and_matching_token(
    meeting: Meeting, token: str, flag: object, use_token: bool, expected: bool
) -> None:
    joined = join(meeting, "me", is_admin=flag, admin_token=token if use_token else token + "x")
    assert joined.participant.is_admin is expected


@pytest.mark.parametrize("bad_token", [None, 42, ["x"], "", {"token": "x"}])
def test_odd_admin_tokens_never_match(meeting: Meeting, bad_token: object) -> None:
    assert join(meeting, "me", is_admin=True, admin_token=bad_token).participant.is_admin is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Bob  ", "Bob"),
        (None, "Anonymous"),
        (123, "Anonymous"),
        ({"a": 1}, "Anonymous"),
        ("   ", "Anonymous"),
        ("x" * 80, "x" * 60),
        ("\U0001f600" * 40, "\U0001f600" * 30),
        ("a" + "\U0001f600" * 30, "a" + "\U0001f600" * 29),
    ],
)
def test_names_are_cleaned(meeting: Meeting, raw: object, expected: str) -> None:
    assert join(meeting, "me", raw).participant.name == expected


@pytest.mark.parametrize(("mute", "video_off"), [(False, False), (True, False), (False, True), (True, True)])
def test_new_participant_takes_join_settings(meeting: Meeting, mute: bool, video_off: bool) -> None:
    meeting.update_settings({"muteOnJoin": mute, "videoOffOnJoin": video_off})
    me = join(meeting, "me").participant
    assert (me.is_muted, me.is_video_off, me.is_screen_sharing, me.is_hand_raised) == (mute, video_off, False, False)


def test_joined_lists_only_the_others(meeting: Meeting) -> None:
    first = join(meeting, "a", "Ann")
    second = join(meeting, "b", "Ben")
    assert first.others == ()
    assert [p.id for p in second.others] == [first.participant.id]
    assert second.participant_count == 2


def test_same_socket_rejoining_replaces_its_record(meeting: Meeting) -> None:
    first = join(meeting, "a", "Ann")
    again = join(meeting, "a", "Ann 2", now_ms=T0 + 5_000)
    assert list(meeting.participants) == [again.participant.id]
    assert again.replaced is not None and again.replaced.id == first.participant.id
    assert again.others == ()
    assert meeting.participant_for_sid(Sid("a")) == meeting.participants[again.participant.id]
    assert [(r.participant_id, r.left_at) for r in meeting.attendance] == [
        (first.participant.id, T0 + 5_000),
        (again.participant.id, None),
    ]


def test_rejoining_socket_is_already_inside_a_full_locked_meeting(meeting: Meeting) -> None:
    meeting.update_settings({"maxParticipants": 2})
    join(meeting, "a")
    join(meeting, "b")
    meeting.lock()
    assert join(meeting, "a").replaced is not None
    assert len(meeting.participants) == 2


def test_one_socket_one_meeting(registry: Registry, meeting: Meeting) -> None:
    other, _ = registry.create(now_ms=T0)
    join(meeting, "a")
    with pytest.raises(AlreadyInAnotherMeeting):
        join(other, "a")
    assert other.participants == {}


def test_peak_counts_the_most_at_once(meeting: Meeting) -> None:
    for sid in ("a", "b", "c"):
        join(meeting, sid)
    meeting.leave(Sid("a"), T0)
    meeting.leave(Sid("b"), T0)
    join(meeting, "d")
    join(meeting, "d")  # a re-join replaces, it does not add a head
    assert meeting.peak_participants == 3
    assert len(meeting.participants) == 2


def test_leave_reports_empty_meeting(meeting: Meeting) -> None:
    join(meeting, "a")
    join(meeting, "b")
    first = meeting.leave(Sid("a"), T0 + 1)
    last = meeting.leave(Sid("b"), T0 + 2)
    assert [type(e) for e in first] == [ParticipantLeft]
    assert isinstance(first[0], ParticipantLeft) and not first[0].meeting_now_empty
    assert isinstance(last[0], ParticipantLeft) and last[0].meeting_now_empty
    assert last[0].reason is LeaveReason.LEFT
    with pytest.raises(ParticipantNotFound):
        meeting.leave(Sid("b"), T0)


def test_recorder_leaving_stops_the_recording(meeting: Meeting, token: str) -> None:
    join(meeting, "host", is_admin=True, admin_token=token)
    meeting.start_recording(Sid("host"), "Hannah", T0)
    events = meeting.leave(Sid("host"), T0)
    assert [type(e) for e in events] == [RecordingStopped, ParticipantLeft]
    assert not meeting.is_recording


def test_kick_then_rejoin(meeting: Meeting, token: str) -> None:
    join(meeting, "host", is_admin=True, admin_token=token)
    target = join(meeting, "a", "Ann").participant
    events = meeting.kick(target.id, None, T0)
    assert [type(e) for e in events] == [Kicked, ParticipantLeft]
    kicked, left = events
    assert isinstance(kicked, Kicked) and kicked.reason == "Removed by admin" and kicked.participant.sid == "a"
    assert isinstance(left, ParticipantLeft) and left.reason is LeaveReason.KICKED
    assert meeting.participant_for_sid(Sid("a")) is None
    back = join(meeting, "a", "Ann")
    assert back.participant.id != target.id and back.replaced is None
    assert len(meeting.participants) == 2


def test_kicked_guest_must_be_admitted_again(meeting: Meeting, token: str) -> None:
    join(meeting, "host", is_admin=True, admin_token=token)
    meeting.update_settings({"waitingRoom": True})
    meeting.waiting_join(Sid("a"), "Ann", T0)
    meeting.admit(Sid("host"), "a")
    target = join(meeting, "a").participant
    meeting.kick(target.id, "bye", T0)
    with pytest.raises(WaitingRoomRequired):
        join(meeting, "a")


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("  Spam  ", "Spam"), (None, "Removed by admin"), (7, "Removed by admin"), ("", "Removed by admin")],
)
def test_kick_reason(meeting: Meeting, reason: object, expected: str) -> None:
    target = join(meeting, "a").participant
    kicked = meeting.kick(target.id, reason, T0)[0]
    assert isinstance(kicked, Kicked) and kicked.reason == expected


@pytest.mark.parametrize("pid", ["nobody", None, 3, ["x"]])
def test_kick_unknown_participant(meeting: Meeting, pid: object) -> None:
    with pytest.raises(ParticipantNotFound):
        meeting.kick(pid, None, T0)
