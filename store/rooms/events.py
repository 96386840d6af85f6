"""What happened, as returned by the registry's methods.

Handlers turn these into Socket.IO emits (payloads built in ``wire.py``),
webhooks, analytics and persistence. Every event is frozen and holds
detached copies, so it still describes the moment it was made after the
handler has awaited and the meeting has moved on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .ids import MeetingId, OwnerId, ParticipantId, Sid
from .model import AttendanceRecord, LeaveReason, Participant, WaitingEntry
from .settings import Settings


@dataclass(frozen=True)
class MeetingEvent:
    meeting_id: MeetingId

    changes_record: ClassVar[bool] = False
    """Whether the meeting's saved document (``Meeting.to_doc``) changed: only then is a write due.
    Chat, media state, reactions and the like are live-only and never cost a database write."""


@dataclass(frozen=True)
class ParticipantJoined(MeetingEvent):
    """``joined`` to the caller, ``participant:joined`` to the others.

    ``replaced`` is the caller's previous record when the same socket joined
    again; it was removed without a ``ParticipantLeft``, so the handler should
    tell the others ``participant:left`` for it before announcing the new one.
    """

    changes_record: ClassVar[bool] = True  # peak, attendance, a used invite

    participant: Participant
    others: tuple[Participant, ...]
    title: str
    settings: Settings
    is_recording: bool
    recording_host_name: str
    participant_count: int
    replaced: Participant | None = None
    # For a host: who is queued right now, oldest first, so its page can list them (the queue's
    # ``participant-waiting`` events went out before this host was in the hosts' room).
    waiting: tuple[WaitingEntry, ...] = ()


@dataclass(frozen=True)
class ParticipantLeft(MeetingEvent):
    """``participant:left`` to the room; start the grace timer when now empty."""

    changes_record: ClassVar[bool] = True  # attendance

    participant: Participant
    reason: LeaveReason
    meeting_now_empty: bool
    participant_count: int


@dataclass(frozen=True)
class Kicked(MeetingEvent):
    """``admin:kick {reason}`` to ``participant.sid``; a ``ParticipantLeft`` follows."""

    participant: Participant
    reason: str


@dataclass(frozen=True)
class ParticipantUpdated(MeetingEvent):
    """``participant:updated {participantId, **changes}``; changes use wire keys.

    ``breakout_room``: the sender is in that breakout room, so only that room hears it.
    """

    participant_id: ParticipantId
    sid: Sid
    changes: Mapping[str, Any]
    breakout_room: str | None = None


@dataclass(frozen=True)
class AllMuted(MeetingEvent):
    """``admin:mute`` to each sid, then ``meeting:all-muted`` to the room."""

    sids: tuple[Sid, ...]


@dataclass(frozen=True)
class SettingsUpdated(MeetingEvent):
    """``meeting:settings-updated`` to the room.

    ``admitted`` lists the waiters let in because the waiting room was just
    switched off; each gets ``waiting-room:admitted``.
    """

    changes_record: ClassVar[bool] = True  # settings, title

    title: str
    settings: Settings
    admitted: tuple[Admitted, ...] = ()


@dataclass(frozen=True)
class WaitingAdded(MeetingEvent):
    """``waiting-room:waiting`` to ``sid``; ``participant-waiting`` to the room."""

    sid: Sid
    name: str
    count: int


@dataclass(frozen=True)
class WaitingRemoved(MeetingEvent):
    """A waiter disconnected: ``participant-waiting {removed: true}`` to the room."""

    sid: Sid
    name: str
    count: int


@dataclass(frozen=True)
class Admitted(MeetingEvent):
    """``waiting-room:admitted`` to ``sid``.

    ``bypassed`` means there was no waiting room to pass (it is off): only
    the caller is told; otherwise the room also gets ``participant-waiting``
    with ``removed: true``.
    """

    sid: Sid
    name: str
    count: int
    bypassed: bool = False


@dataclass(frozen=True)
class Denied(MeetingEvent):
    """``waiting-room:denied`` to ``sid``; ``participant-waiting {removed}`` to the room."""

    sid: Sid
    name: str
    count: int


@dataclass(frozen=True)
class ChatMessage(MeetingEvent):
    msg_id: str
    participant_id: ParticipantId
    name: str
    text: str
    timestamp: int
    reply_to: str | None


@dataclass(frozen=True)
class Reaction(MeetingEvent):
    participant_id: ParticipantId
    emoji: str


@dataclass(frozen=True)
class RecordingStarted(MeetingEvent):
    """``recording:started {hostName}`` to everyone but the host (``sid``); for the server's
    recording (``recording_id`` set, ``sid`` None) to everyone, with ``recordingId``."""

    participant_id: ParticipantId | None
    sid: Sid | None
    host_name: str
    recording_id: str | None = None


@dataclass(frozen=True)
class RecordingStopped(MeetingEvent):
    """``recording:stopped`` to the room: no payload for a notice, ``{recordingId}`` for the server's recording."""

    participant_id: ParticipantId | None
    recording_id: str | None = None


@dataclass(frozen=True)
class MeetingEnded(MeetingEvent):
    """``meeting:ended {reason}`` to ``sids``; billing, webhook and history.

    ``cancelled`` is a scheduled meeting deleted before it started: nothing
    to bill. ``duration_ms`` counts from ``created_at_ms`` (creation or
    activation), as onepizza bills.
    """

    title: str
    reason: str
    cancelled: bool
    created_at_ms: int
    ended_at_ms: int
    duration_ms: int
    peak_participants: int
    owner_id: OwnerId | None
    owner_company_id: OwnerId | None
    is_guest: bool
    sids: tuple[Sid, ...]
    waiting_sids: tuple[Sid, ...]
    attendance: tuple[AttendanceRecord, ...]
    breakout_rooms: tuple[str, ...] = ()
    """Breakout rooms still open at the end, whose Socket.IO rooms must be closed too."""

    @property
    def billable(self) -> bool:
        return not self.is_guest and not self.cancelled and self.owner_id is not None
