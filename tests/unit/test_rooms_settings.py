"""Settings changes: strict types, all-or-nothing, clamps, lock/unlock."""

from __future__ import annotations

from typing import Any

import pytest

from store.rooms import MediaMode, Meeting, Settings, ValidationError

DEFAULT_WIRE = {
    "muteOnJoin": False,
    "videoOffOnJoin": False,
    "maxParticipants": 50,
    "locked": False,
    "waitingRoom": False,
    "mediaMode": "mesh",
}


def test_default_settings_on_the_wire() -> None:
    assert Settings().to_wire() == DEFAULT_WIRE


@pytest.mark.parametrize(
    ("patch", "changed"),
    [
        ({"muteOnJoin": True}, {"muteOnJoin": True}),
        ({"videoOffOnJoin": True, "locked": True}, {"videoOffOnJoin": True, "locked": True}),
        ({"waitingRoom": True}, {"waitingRoom": True}),
        ({"maxParticipants": 10}, {"maxParticipants": 10}),
        ({"maxParticipants": 1}, {"maxParticipants": 2}),
        ({"maxParticipants": 0}, {"maxParticipants": 2}),
        ({"maxParticipants": -5}, {"maxParticipants": 2}),
        ({"maxParticipants": 1000}, {"maxParticipants": 500}),
        ({"mediaMode": "sfu"}, {"mediaMode": "sfu"}),
        ({"somethingNew": [1, 2], "isAdmin": True}, {}),
        ({}, {}),
    ],
)
def test_valid_patches(meeting: Meeting, patch: dict[str, Any], changed: dict[str, Any]) -> None:
    event = meeting.update_settings(patch)
    assert meeting.settings.to_wire() == {**DEFAULT_WIRE, **changed}
    assert event.settings == meeting.settings
    assert event.title == "Team Standup"


BAD_PATCHES = [
    {"muteOnJoin": "true"},
    {"videoOffOnJoin": 1},
    {"locked": None},
    {"waitingRoom": "yes"},
    {"maxParticipants": True},
    {"maxParticipants": "10"},
    {"maxParticipants": 10.0},
    {"maxParticipants": None},
    {"mediaMode": "p2p"},
    {"mediaMode": 1},
    {"mediaMode": ["sfu"]},
    {"title": ""},
    {"title": "   "},
    {"title": 5},
    {"locked": True, "title": "New", "muteOnJoin": "x"},
    {"title": "New", "maxParticipants": "9"},
]


@pytest.mark.parametrize("patch", BAD_PATCHES)
def test_bad_patch_changes_nothing(meeting: Meeting, patch: dict[str, Any]) -> None:
    before = meeting.settings
    with pytest.raises(ValidationError) as caught:
        meeting.update_settings(patch)
    assert caught.value.status == 400
    assert meeting.settings == before
    assert meeting.title == "Team Standup"


@pytest.mark.parametrize("patch", [None, [], "locked", 3])
def test_patch_must_be_an_object(meeting: Meeting, patch: object) -> None:
    with pytest.raises(ValidationError):
        meeting.update_settings(patch)


@pytest.mark.parametrize(
    ("title", "expected"),
    [("  Weekly Sync ", "Weekly Sync"), ("t" * 150, "t" * 100)],
)
def test_title_is_trimmed_and_cut(meeting: Meeting, title: str, expected: str) -> None:
    assert meeting.update_settings({"title": title}).title == expected
    assert meeting.title == expected


def test_error_message_names_the_field(meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="^maxParticipants must be an integer$"):
        meeting.update_settings({"maxParticipants": "10"})


def test_lock_and_unlock(meeting: Meeting) -> None:
    assert meeting.lock().settings.locked is True
    assert meeting.settings.locked is True
    assert meeting.unlock().settings.locked is False
    assert meeting.settings.locked is False


def test_settings_round_trip_through_the_wire() -> None:
    custom = Settings(True, True, 12, True, True, MediaMode.SFU)
    assert Settings.from_wire(custom.to_wire()) == custom
