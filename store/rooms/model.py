"""The live records a meeting is made of: participants, waiters, attendance.

Participants exist only in memory: a restart drops every socket, so clients
re-join and get new records. Attendance and recording state are plain data
so that ``Meeting.to_doc`` can persist what outlives a connection.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .ids import ParticipantId, Sid


class MeetingStatus(StrEnum):
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    ENDED = "ended"


class LeaveReason(StrEnum):
    """Why a participant record went away (webhooks and analytics tell them apart)."""

    LEFT = "left"
    KICKED = "kicked"
    ENDED = "ended"
    REPLACED = "replaced"


@dataclass
class Participant:
    id: ParticipantId
    sid: Sid
    name: str
    joined_at: int
    is_admin: bool = False
    is_muted: bool = False
    is_video_off: bool = False
    is_screen_sharing: bool = False
    is_hand_raised: bool = False
    hand_raised_at: int | None = None

    def snapshot(self) -> Participant:
        """A detached copy, so an event keeps the state it announced."""
        return dataclasses.replace(self)

    def to_wire(self) -> dict[str, Any]:
        """The participant entry of ``joined`` (contract §4.3)."""
        return {
            "participantId": self.id,
            "name": self.name,
            "isMuted": self.is_muted,
            "isVideoOff": self.is_video_off,
            "isScreenSharing": self.is_screen_sharing,
            "isHandRaised": self.is_hand_raised,
            "isAdmin": self.is_admin,
        }


@dataclass(frozen=True)
class WaitingEntry:
    sid: Sid
    name: str
    joined_at: int


@dataclass
class AttendanceRecord:
    """One stay in the meeting; a participant who re-joins gets a new record."""

    participant_id: ParticipantId
    name: str
    joined_at: int
    left_at: int | None = None

    def to_doc(self) -> dict[str, Any]:
        return {
            "participant_id": self.participant_id,
            "name": self.name,
            "joined_at": self.joined_at,
            "left_at": self.left_at,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> AttendanceRecord:
        return cls(
            participant_id=ParticipantId(doc["participant_id"]),
            name=doc["name"],
            joined_at=doc["joined_at"],
            left_at=doc.get("left_at"),
        )


@dataclass(frozen=True)
class Recording:
    """A recording in progress: a host's notice (``recording:broadcast-started``, the browser
    records), or the server's own recording through the SFU (``recording_id`` set). A notice
    stops when its participant leaves; the server's recording runs until stopped or the meeting
    ends, and may have been started over REST (no participant)."""

    participant_id: ParticipantId | None
    host_name: str
    started_at: int
    recording_id: str | None = None
