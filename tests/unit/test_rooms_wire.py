"""Exact client payloads (onepizza-api.md, research §3.6 and §4) and time formats."""

from __future__ import annotations

import pytest
from rooms_support import APRIL_FIRST_2PM, T0, join

from store.rooms import Meeting, MeetingLocked, Registry, Sid, wire
from store.rooms.events import Kicked, ParticipantJoined, ParticipantLeft, WaitingAdded
from store.rooms.timefmt import iso_utc, js_locale_utc

SETTINGS = {
    "muteOnJoin": False,
    "videoOffOnJoin": False,
    "maxParticipants": 50,
    "locked": False,
    "waitingRoom": False,
    "mediaMode": "mesh",
}


def test_joined_and_participant_joined(meeting: Meeting, host: ParticipantJoined) -> None:
    meeting.start_recording(Sid("host"), "Hannah", T0)
    ann = join(meeting, "ann", "Ann")
    assert wire.joined(ann) == {
        "participantId": ann.participant.id,
        "participants": [
            {
                "participantId": host.participant.id,
                "name": "Hannah",
                "isMuted": False,
                "isVideoOff": False,
                "isScreenSharing": False,
                "isHandRaised": False,
                "isAdmin": True,
            }
        ],
        "settings": SETTINGS,
        "title": "Team Standup",
        "isAdmin": False,
        "muteOnJoin": False,
        "videoOffOnJoin": False,
        "isRecording": True,
        "recordingHostName": "Hannah",
    }
    assert wire.participant_joined(ann) == {
        "participantId": ann.participant.id,
        "name": "Ann",
        "isMuted": False,
        "isVideoOff": False,
        "isHandRaised": False,
        "isAdmin": False,
    }


def test_events_are_snapshots(meeting: Meeting) -> None:
    ann = join(meeting, "ann", "Ann")
    meeting.set_media(Sid("ann"), is_muted=True)
    assert wire.participant_joined(ann)["isMuted"] is False


def test_left_and_replaced(meeting: Meeting) -> None:
    first = join(meeting, "ann", "Ann")
    again = join(meeting, "ann", "Ann")
    assert again.replaced is not None
    assert wire.participant_left(again.replaced) == {"participantId": first.participant.id, "name": "Ann"}
    left = meeting.leave(Sid("ann"), T0)[-1]
    assert isinstance(left, ParticipantLeft)
    assert wire.participant_left(left) == {"participantId": again.participant.id, "name": "Ann"}


def test_participant_updated(meeting: Meeting) -> None:
    ann = join(meeting, "ann")
    hand = meeting.raise_hand(Sid("ann"), True, T0 + 1)
    assert wire.participant_updated(hand) == {
        "participantId": ann.participant.id,
        "isHandRaised": True,
        "handRaisedAt": T0 + 1,
    }
    assert wire.participant_updated(meeting.mute(ann.participant.id)) == {
        "participantId": ann.participant.id,
        "isMuted": True,
    }


def test_settings_kick_end_payloads(registry: Registry, meeting: Meeting) -> None:
    assert wire.settings_updated(meeting.lock()) == {**SETTINGS, "locked": True}
    meeting.unlock()
    target = join(meeting, "ann").participant
    kicked = meeting.kick(target.id, None, T0)[0]
    assert isinstance(kicked, Kicked) and wire.admin_kick(kicked) == {"reason": "Removed by admin"}
    ended = registry.end(meeting.id, "Meeting ended by admin", T0)
    assert wire.meeting_ended(ended) == {"reason": "Meeting ended by admin"}


def test_waiting_room_payloads(meeting: Meeting, host: ParticipantJoined) -> None:
    meeting.update_settings({"waitingRoom": True})
    added = meeting.waiting_join(Sid("w1"), "Wes", T0)
    meeting.waiting_join(Sid("w2"), "Val", T0)
    meeting.waiting_join(Sid("w3"), "Uma", T0)
    assert isinstance(added, WaitingAdded)
    assert wire.waiting(added) == {"message": "Waiting for the host to admit you\u2026"}
    assert wire.participant_waiting(added) == {"socketId": "w1", "name": "Wes", "count": 1}
    admitted = meeting.admit(Sid("host"), "w1")
    assert wire.participant_waiting(admitted) == {"socketId": "w1", "name": "Wes", "count": 2, "removed": True}
    denied = meeting.deny(Sid("host"), "w2")
    assert wire.denied(denied) == {"message": "The host did not admit you to this meeting."}
    assert wire.participant_waiting(denied) == {"socketId": "w2", "name": "Val", "count": 1, "removed": True}
    gone = meeting.remove_waiting(Sid("w3"))
    assert gone is not None
    assert wire.participant_waiting(gone) == {"socketId": "w3", "name": "", "count": 0, "removed": True}


def test_chat_react_recording_payloads(meeting: Meeting, host: ParticipantJoined) -> None:
    message = meeting.chat(Sid("host"), "Hello", "m-1", T0 + 4)
    assert wire.chat_message(message) == {
        "from": host.participant.id,
        "name": "Hannah",
        "text": "Hello",
        "timestamp": T0 + 4,
        "msgId": message.msg_id,
        "replyTo": "m-1",
    }
    assert wire.react(meeting.react(Sid("host"), "👏")) == {"participantId": host.participant.id, "emoji": "👏"}
    started = meeting.start_recording(Sid("host"), "Rec", T0)
    assert wire.recording_started(started) == {"hostName": "Rec"}


def test_error_payload() -> None:
    assert wire.error(MeetingLocked()) == {"message": "Meeting is locked", "code": "meeting_locked"}


def test_rest_shapes(registry: Registry, meeting: Meeting) -> None:
    ann = join(meeting, "ann", "Ann", now_ms=T0 + 1_000).participant
    assert wire.meeting_detail(meeting) == {
        "meetingId": meeting.id,
        "title": "Team Standup",
        "createdAt": T0,
        "status": "active",
        "participantCount": 1,
        "participants": [
            {
                "participantId": ann.id,
                "name": "Ann",
                "isMuted": False,
                "isVideoOff": False,
                "isScreenSharing": False,
                "joinedAt": T0 + 1_000,
            }
        ],
        "settings": SETTINGS,
    }
    later, _ = registry.create(now_ms=T0, title="Weekly Sync", scheduled_at_ms=APRIL_FIRST_2PM)
    assert wire.meeting_detail(later) == {
        "meetingId": later.id,
        "title": "Weekly Sync",
        "createdAt": T0,
        "scheduledAt": "2026-04-01T14:00:00.000Z",
        "status": "scheduled",
        "settings": SETTINGS,
    }
    assert [wire.meeting_summary(m) for m in registry] == [
        {"meetingId": meeting.id, "title": "Team Standup", "status": "active", "createdAt": T0, "participantCount": 1},
        {
            "meetingId": later.id,
            "title": "Weekly Sync",
            "status": "scheduled",
            "createdAt": T0,
            "scheduledAt": "2026-04-01T14:00:00.000Z",
            "participantCount": 0,
        },
    ]


@pytest.mark.parametrize(
    ("ms", "locale", "iso"),
    [
        (APRIL_FIRST_2PM, "4/1/2026, 2:00:00 PM", "2026-04-01T14:00:00.000Z"),
        (1_767_225_600_000, "1/1/2026, 12:00:00 AM", "2026-01-01T00:00:00.000Z"),
        (1_767_268_800_123, "1/1/2026, 12:00:00 PM", "2026-01-01T12:00:00.123Z"),
        (1_798_761_599_999, "12/31/2026, 11:59:59 PM", "2026-12-31T23:59:59.999Z"),
    ],
)
def test_time_formats(ms: int, locale: str, iso: str) -> None:
    assert js_locale_utc(ms) == locale
    assert iso_utc(ms) == iso
