"""Media state, hands, reactions, chat, recording and host controls."""

from __future__ import annotations

import pytest
from rooms_support import T0, join

from store.rooms import Meeting, NotHost, ParticipantNotFound, Sid, ValidationError
from store.rooms.activity import REACTIONS
from store.rooms.events import AllMuted, ParticipantJoined, ParticipantUpdated, RecordingStarted, RecordingStopped


@pytest.fixture
def ann(meeting: Meeting) -> ParticipantJoined:
    return join(meeting, "ann", "Ann")


@pytest.mark.parametrize(
    ("kwargs", "changes"),
    [
        ({"is_muted": True}, {"isMuted": True}),
        ({"is_video_off": True}, {"isVideoOff": True}),
        ({"is_screen_sharing": True}, {"isScreenSharing": True}),
        ({"is_muted": False, "is_video_off": True}, {"isMuted": False, "isVideoOff": True}),
    ],
)
def test_set_media(meeting: Meeting, ann: ParticipantJoined, kwargs: dict[str, bool], changes: dict[str, bool]) -> None:
    event = meeting.set_media(Sid("ann"), **kwargs)
    assert event == ParticipantUpdated(meeting.id, ann.participant.id, Sid("ann"), changes)
    me = meeting.participants[ann.participant.id]
    wire = me.to_wire()
    assert all(wire[key] == value for key, value in changes.items())


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"is_muted": "true"}, {"is_video_off": 1}, {"is_screen_sharing": 0}, {"is_muted": True, "is_video_off": "no"}],
)
def test_set_media_rejects_non_booleans(meeting: Meeting, ann: ParticipantJoined, kwargs: dict[str, object]) -> None:
    before = meeting.participants[ann.participant.id].snapshot()
    with pytest.raises(ValidationError):
        meeting.set_media(Sid("ann"), **kwargs)
    assert meeting.participants[ann.participant.id] == before


def test_set_media_needs_a_seat(meeting: Meeting) -> None:
    with pytest.raises(ParticipantNotFound):
        meeting.set_media(Sid("ghost"), is_muted=True)


def test_raise_and_lower_hand(meeting: Meeting, ann: ParticipantJoined) -> None:
    up = meeting.raise_hand(Sid("ann"), True, T0 + 7)
    assert up.changes == {"isHandRaised": True, "handRaisedAt": T0 + 7}
    down = meeting.raise_hand(Sid("ann"), False, T0 + 9)
    assert down.changes == {"isHandRaised": False, "handRaisedAt": None}
    with pytest.raises(ValidationError):
        meeting.raise_hand(Sid("ann"), "true", T0)


@pytest.mark.parametrize("emoji", sorted(REACTIONS))
def test_allowed_reactions(meeting: Meeting, ann: ParticipantJoined, emoji: str) -> None:
    assert meeting.react(Sid("ann"), emoji).emoji == emoji


def test_exactly_five_reactions() -> None:
    assert REACTIONS == {"👍", "\u2764\ufe0f", "😂", "🎉", "👏"}


@pytest.mark.parametrize("emoji", ["\u2764", "👍🏽", "😀", "", " 👍", None, 1, ["👍"]])
def test_other_reactions_refused(meeting: Meeting, ann: ParticipantJoined, emoji: object) -> None:
    with pytest.raises(ValidationError):
        meeting.react(Sid("ann"), emoji)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "hello"),
        ("  padded  ", "padded"),
        ("x" * 2000, "x" * 2000),
        ("😀" * 1000, "😀" * 1000),
    ],
)
def test_chat_accepts(meeting: Meeting, ann: ParticipantJoined, text: str, expected: str) -> None:
    message = meeting.chat(Sid("ann"), text, None, T0 + 3)
    assert (message.text, message.name, message.participant_id, message.timestamp) == (
        expected,
        "Ann",
        ann.participant.id,
        T0 + 3,
    )
    assert len(message.msg_id) == 36


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Message must be a non-empty string"),
        ("   \n", "Message must be a non-empty string"),
        (None, "Message must be a non-empty string"),
        (42, "Message must be a non-empty string"),
        ("x" * 2001, "Message too long (max 2000 characters)"),
        ("😀" * 1000 + "x", "Message too long (max 2000 characters)"),
    ],
)
def test_chat_refuses(meeting: Meeting, ann: ParticipantJoined, text: object, error: str) -> None:
    with pytest.raises(ValidationError) as caught:
        meeting.chat(Sid("ann"), text, None, T0)
    assert caught.value.message == error


@pytest.mark.parametrize(
    ("reply_to", "expected"), [("abc", "abc"), (None, None), (5, None), ("", None), ("r" * 100, "r" * 64)]
)
def test_chat_reply_to(meeting: Meeting, ann: ParticipantJoined, reply_to: object, expected: str | None) -> None:
    assert meeting.chat(Sid("ann"), "hi", reply_to, T0).reply_to == expected


def test_chat_needs_a_seat(meeting: Meeting) -> None:
    with pytest.raises(ParticipantNotFound):
        meeting.chat(Sid("ghost"), "hi", None, T0)


# -- recording -------------------------------------------------------------


@pytest.mark.parametrize(
    ("host_name", "expected"), [("Rec Bot", "Rec Bot"), (None, "Hannah"), (7, "Hannah"), ("n" * 70, "n" * 60)]
)
def test_host_starts_recording(meeting: Meeting, host: ParticipantJoined, host_name: object, expected: str) -> None:
    event = meeting.start_recording(Sid("host"), host_name, T0)
    assert event == RecordingStarted(meeting.id, host.participant.id, Sid("host"), expected)
    assert (meeting.is_recording, meeting.recording_host_name) == (True, expected)
    later = join(meeting, "late")
    assert (later.is_recording, later.recording_host_name) == (True, expected)


def test_guest_cannot_record(meeting: Meeting, ann: ParticipantJoined) -> None:
    with pytest.raises(NotHost):
        meeting.start_recording(Sid("ann"), "Ann", T0)
    assert not meeting.is_recording


def test_stop_recording_rules(meeting: Meeting, host: ParticipantJoined, ann: ParticipantJoined) -> None:
    assert meeting.stop_recording(Sid("host")) is None
    meeting.start_recording(Sid("host"), "Hannah", T0)
    with pytest.raises(NotHost):
        meeting.stop_recording(Sid("ann"))
    assert meeting.stop_recording(Sid("host")) == RecordingStopped(meeting.id, host.participant.id)
    assert not meeting.is_recording and meeting.recording_host_name == ""


# -- host controls -----------------------------------------------------------


def test_mute_and_unmute(meeting: Meeting, ann: ParticipantJoined) -> None:
    pid = ann.participant.id
    assert meeting.mute(pid) == ParticipantUpdated(meeting.id, pid, Sid("ann"), {"isMuted": True})
    assert meeting.participants[pid].is_muted
    assert meeting.unmute(pid).changes == {"isMuted": False}
    assert not meeting.participants[pid].is_muted


@pytest.mark.parametrize("action", ["mute", "unmute"])
@pytest.mark.parametrize("pid", ["nobody", None, 9])
def test_mute_unknown_participant(meeting: Meeting, action: str, pid: object) -> None:
    with pytest.raises(ParticipantNotFound):
        getattr(meeting, action)(pid)


def test_mute_all_includes_hosts(meeting: Meeting, host: ParticipantJoined, ann: ParticipantJoined) -> None:
    event = meeting.mute_all()
    assert event == AllMuted(meeting.id, (Sid("host"), Sid("ann")))
    assert all(p.is_muted for p in meeting.participants.values())


def test_require_host(meeting: Meeting, host: ParticipantJoined, ann: ParticipantJoined) -> None:
    assert meeting.require_host(Sid("host")).id == host.participant.id
    for sid in ("ann", "nobody"):
        with pytest.raises(NotHost):
            meeting.require_host(Sid(sid))


def test_require_admin_token(meeting: Meeting, token: str) -> None:
    meeting.require_admin_token(token)
    from store.rooms import AdminTokenInvalid

    for wrong in (None, "", token + "x", token.upper(), 1):
        with pytest.raises(AdminTokenInvalid) as caught:
            meeting.require_admin_token(wrong)
        assert (caught.value.status, caught.value.message) == (403, "Admin token required")
