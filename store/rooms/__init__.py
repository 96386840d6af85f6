"""The live room registry: meetings, participants, waiting room and rules.

Plain synchronous Python with no I/O. Methods check their rules, change
state and return domain events (``events.py``) or raise typed errors
(``errors.py``); handlers turn events into emits with ``wire.py``.
"""

from .billing import DEFAULT_RATE_MICROS, duration_minutes, format_usd, meeting_cost_micros
from .errors import (
    AdminTokenInvalid,
    AlreadyInAnotherMeeting,
    DomainError,
    InviteInvalid,
    MeetingFull,
    MeetingLocked,
    MeetingNotFound,
    MeetingScheduled,
    NotHost,
    ParticipantNotFound,
    ValidationError,
    WaitingNotFound,
    WaitingRoomRequired,
)
from .ids import MeetingId, ParticipantId, Sid
from .meeting import Meeting
from .model import LeaveReason, MeetingStatus, Participant
from .registry import Registry
from .settings import MediaMode, Settings

__all__ = [
    "DEFAULT_RATE_MICROS",
    "AdminTokenInvalid",
    "AlreadyInAnotherMeeting",
    "DomainError",
    "InviteInvalid",
    "LeaveReason",
    "MediaMode",
    "Meeting",
    "MeetingFull",
    "MeetingId",
    "MeetingLocked",
    "MeetingNotFound",
    "MeetingScheduled",
    "MeetingStatus",
    "NotHost",
    "Participant",
    "ParticipantId",
    "ParticipantNotFound",
    "Registry",
    "Settings",
    "Sid",
    "ValidationError",
    "WaitingNotFound",
    "WaitingRoomRequired",
    "duration_minutes",
    "format_usd",
    "meeting_cost_micros",
]
