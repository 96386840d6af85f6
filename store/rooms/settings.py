"""Meeting settings and the validation of changes to them.

Settings are immutable: a change builds a new object, so an event can carry
the settings it announced without copying, and a rejected patch cannot leave
a half-applied state behind. The original wrote raw JSON values into its
settings (a string ``maxParticipants`` broke the "full" comparison); here
every field is checked before anything is applied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import ValidationError
from .text import cut_utf16

MIN_PARTICIPANTS = 2
MAX_PARTICIPANTS = 500
TITLE_MAX = 100


class MediaMode(StrEnum):
    """How media flows: browser-to-browser (onepizza) or through our SFU."""

    MESH = "mesh"
    SFU = "sfu"


@dataclass(frozen=True)
class Settings:
    mute_on_join: bool = False
    video_off_on_join: bool = False
    max_participants: int = 50
    locked: bool = False
    waiting_room: bool = False
    media_mode: MediaMode = MediaMode.MESH

    def to_wire(self) -> dict[str, Any]:
        """The contract's settings object (plus our ``mediaMode``)."""
        return {
            "muteOnJoin": self.mute_on_join,
            "videoOffOnJoin": self.video_off_on_join,
            "maxParticipants": self.max_participants,
            "locked": self.locked,
            "waitingRoom": self.waiting_room,
            "mediaMode": self.media_mode.value,
        }

    def patched(self, patch: object) -> Settings:
        """These settings with a wire-format patch applied (title ignored)."""
        _, changes = validate_patch(patch)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_wire(cls, data: object) -> Settings:
        """Settings from a wire/doc dict; missing keys take the defaults."""
        return cls().patched(data)


_BOOL_FIELDS = {
    "muteOnJoin": "mute_on_join",
    "videoOffOnJoin": "video_off_on_join",
    "locked": "locked",
    "waitingRoom": "waiting_room",
}


def validate_patch(patch: object) -> tuple[str | None, dict[str, Any]]:
    """Check a settings patch (wire keys) and return (new title, field changes).

    Unknown keys are ignored so newer clients can send extra fields. Any bad
    value raises ``ValidationError`` before a single field changes. The title
    is stripped and cut to 100 like at creation; an empty title is an error.
    ``maxParticipants`` is clamped to 2..500 like at creation (bools are not
    numbers here, although Python says ``True`` is an int).
    """
    if not isinstance(patch, Mapping):
        raise ValidationError("Settings must be an object")
    changes: dict[str, Any] = {}
    for key, attr in _BOOL_FIELDS.items():
        if key in patch:
            value = patch[key]
            if not isinstance(value, bool):
                raise ValidationError(f"{key} must be a boolean")
            changes[attr] = value
    if "maxParticipants" in patch:
        value = patch["maxParticipants"]
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError("maxParticipants must be an integer")
        changes["max_participants"] = min(max(value, MIN_PARTICIPANTS), MAX_PARTICIPANTS)
    if "mediaMode" in patch:
        value = patch["mediaMode"]
        if not isinstance(value, str) or value not in {mode.value for mode in MediaMode}:
            raise ValidationError("mediaMode must be 'mesh' or 'sfu'")
        changes["media_mode"] = MediaMode(value)
    title = None
    if "title" in patch:
        value = patch["title"]
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("title must be a non-empty string")
        title = cut_utf16(value.strip(), TITLE_MAX).strip()
    return title, changes
