"""A meeting: who is in it, who waits at its door, and how it ends.

Each method checks its rules, changes the meeting, and returns the events
that followed, or raises a ``DomainError`` having changed nothing. Nothing
here awaits, so on the event loop every call is atomic.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .activity import MeetingActivity
from .collab import Collaboration, MeetingCollaboration
from .docs import meeting_fields_from_doc, meeting_to_doc
from .door import DEFAULT_NAME, NAME_MAX, MeetingDoor
from .errors import (
    AdminTokenInvalid,
    AlreadyInAnotherMeeting,
    MeetingFull,
    MeetingLocked,
    MeetingNotFound,
    MeetingScheduled,
    NotHost,
    ParticipantNotFound,
)
from .events import (
    Kicked,
    MeetingEnded,
    MeetingEvent,
    ParticipantJoined,
    ParticipantLeft,
    RecordingStopped,
)
from .ids import MeetingId, OwnerId, ParticipantId, Sid, new_participant_id
from .index import SidIndex
from .invites import Invites
from .model import (
    AttendanceRecord,
    LeaveReason,
    MeetingStatus,
    Participant,
    Recording,
)
from .settings import Settings
from .text import clean_text
from .tokens import token_matches
from .waiting import WaitingRoom

KICK_REASON_MAX = 200
DEFAULT_KICK_REASON = "Removed by admin"
END_REASON_MAX = 200


@dataclass(eq=False)
class Meeting(MeetingDoor, MeetingActivity, MeetingCollaboration):
    id: MeetingId
    title: str
    admin_token_hash: str
    created_at_ms: int
    """Start of billing: creation, or activation for a scheduled meeting."""
    settings: Settings = field(default_factory=Settings)
    status: MeetingStatus = MeetingStatus.ACTIVE
    scheduled_at_ms: int | None = None
    owner_id: OwnerId | None = None
    owner_company_id: OwnerId | None = None
    is_guest: bool = False
    peak_participants: int = 0
    ended_at_ms: int | None = None
    participants: dict[ParticipantId, Participant] = field(default_factory=dict)
    waiting: WaitingRoom = field(default_factory=WaitingRoom)
    invites: Invites = field(default_factory=Invites)
    recording: Recording | None = None
    attendance: list[AttendanceRecord] = field(default_factory=list)
    index: SidIndex = field(default_factory=SidIndex, repr=False)
    collab: Collaboration = field(default_factory=Collaboration, repr=False)
    """Polls, Q&A, notes, breakout rooms, streaming: live-only (``collab.py``)."""

    # -- lifecycle -------------------------------------------------------

    def activate(self, now_ms: int) -> bool:
        """Open a scheduled meeting; billing starts now. False if it was not scheduled."""
        if self.status is not MeetingStatus.SCHEDULED:
            return False
        self.status = MeetingStatus.ACTIVE
        self.created_at_ms = now_ms
        return True

    def join(
        self,
        sid: Sid,
        name: object,
        *,
        now_ms: int,
        is_admin: object = False,
        admin_token: object = None,
        invite_token: object = None,
    ) -> ParticipantJoined:
        """Seat a socket, applying the contract's rules in the contract's order.

        not open → scheduled → (admin?) → locked → full → waiting room.
        A socket already seated here is "inside": it passes the lock and the
        waiting room, does not count against the cap, and its old record is
        replaced (no ghost). An invite is only consulted, and only consumed,
        when it is what lets the caller past the waiting room, so a stale
        invite in a bookmarked URL never blocks an open meeting.
        """
        self._require_open()
        previous = self._own_participant(sid)
        admin = bool(is_admin) and self.admin_token_matches(admin_token)
        inside = previous is not None
        if self.settings.locked and not admin and not inside:
            raise MeetingLocked()
        if len(self.participants) - int(inside) >= self.settings.max_participants:
            raise MeetingFull()
        invite = self._waiting_room_pass(sid, admin or inside, invite_token, now_ms)

        if invite is not None:
            self.invites.consume(invite)
        self._leave_queue(sid)
        me = Participant(
            id=new_participant_id(),
            sid=sid,
            name=clean_text(name, NAME_MAX, DEFAULT_NAME),
            joined_at=now_ms,
            is_admin=admin,
            is_muted=self.settings.mute_on_join,
            is_video_off=self.settings.video_off_on_join,
        )
        replaced = self._replace(previous, me.id, now_ms) if previous else None
        self.participants[me.id] = me
        self.index.bind_seat(sid, self.id, me.id)
        self.attendance.append(AttendanceRecord(me.id, me.name, now_ms))
        self.peak_participants = max(self.peak_participants, len(self.participants))
        return ParticipantJoined(
            meeting_id=self.id,
            participant=me.snapshot(),
            others=tuple(p.snapshot() for p in self.participants.values() if p.id != me.id),
            title=self.title,
            settings=self.settings,
            is_recording=self.is_recording,
            recording_host_name=self.recording_host_name,
            participant_count=len(self.participants),
            replaced=replaced,
            waiting=tuple(self.waiting.entries.values()) if admin else (),
        )

    def leave(self, sid: Sid, now_ms: int) -> list[MeetingEvent]:
        """The socket left or disconnected: [RecordingStopped?, ParticipantLeft]."""
        me = self.by_sid(sid)
        return self._remove(me, LeaveReason.LEFT, now_ms)

    def drop(self, participant: Participant, now_ms: int) -> list[MeetingEvent]:
        """The participant's socket moved to another meeting: as ``leave``, by record."""
        return self._remove(participant, LeaveReason.LEFT, now_ms)

    def kick(self, participant_id: object, reason: object, now_ms: int) -> list[MeetingEvent]:
        """Host removal: [Kicked, RecordingStopped?, ParticipantLeft].

        The kicked socket loses its seat and any admission, so re-joining goes
        through every rule again (including the waiting room).
        """
        target = self.participant(participant_id)
        why = clean_text(reason, KICK_REASON_MAX, DEFAULT_KICK_REASON)
        kicked = Kicked(self.id, target.snapshot(), why)
        return [kicked, *self._remove(target, LeaveReason.KICKED, now_ms)]

    def end(self, reason: object, now_ms: int) -> MeetingEnded:
        """End (or cancel, if still scheduled) the meeting and free every socket."""
        if self.status is MeetingStatus.ENDED:
            raise MeetingNotFound()
        cancelled = self.status is MeetingStatus.SCHEDULED
        sids = tuple(p.sid for p in self.participants.values())
        waiting_sids = tuple(self.waiting.entries) + tuple(
            sid for sid in self.waiting.admitted if sid not in self.waiting.entries
        )
        for sid in sids:
            self.index.unbind_seat(sid, self.id)
        for sid in waiting_sids:
            self.index.unbind_queue(sid, self.id)
        for record in self.attendance:
            if record.left_at is None:
                record.left_at = now_ms
        self.participants.clear()
        self.waiting.clear()
        self.recording = None
        self.status = MeetingStatus.ENDED
        self.ended_at_ms = now_ms
        return MeetingEnded(
            meeting_id=self.id,
            title=self.title,
            reason=clean_text(reason, END_REASON_MAX, "Meeting ended"),
            cancelled=cancelled,
            created_at_ms=self.created_at_ms,
            ended_at_ms=now_ms,
            duration_ms=0 if cancelled else max(0, now_ms - self.created_at_ms),
            peak_participants=self.peak_participants,
            owner_id=self.owner_id,
            owner_company_id=self.owner_company_id,
            is_guest=self.is_guest,
            sids=sids,
            waiting_sids=waiting_sids,
            attendance=tuple(dataclasses.replace(r) for r in self.attendance),
            breakout_rooms=self._end_collaboration(),
        )

    # -- authority and lookups -------------------------------------------

    def admin_token_matches(self, token: object) -> bool:
        return token_matches(token, self.admin_token_hash)

    def require_admin_token(self, token: object) -> None:
        """For REST host controls, which authenticate with ``x-admin-token``."""
        if not self.admin_token_matches(token):
            raise AdminTokenInvalid()

    def participant(self, participant_id: object) -> Participant:
        """By participant id (REST host controls); raw wire values welcome."""
        found = self.participants.get(ParticipantId(participant_id)) if isinstance(participant_id, str) else None
        if found is None:
            raise ParticipantNotFound()
        return found

    def participant_for_sid(self, sid: Sid) -> Participant | None:
        seat = self.index.seat(sid)
        if seat is None or seat[0] != self.id:
            return None
        return self.participants.get(seat[1])

    def by_sid(self, sid: Sid) -> Participant:
        found = self.participant_for_sid(sid)
        if found is None:
            raise ParticipantNotFound()
        return found

    def require_host(self, sid: Sid) -> Participant:
        """The caller's participant if it joined as admin; ``NotHost`` otherwise."""
        found = self.participant_for_sid(sid)
        if found is None or not found.is_admin:
            raise NotHost()
        return found

    @property
    def is_empty(self) -> bool:
        return not self.participants

    # -- persistence -----------------------------------------------------

    def to_doc(self) -> dict[str, Any]:
        """What survives a restart (JSON/BSON-friendly). Sockets do not, so
        participants, waiters and recording are left out; clients re-join."""
        return meeting_to_doc(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any], index: SidIndex | None = None) -> Meeting:
        """Rebuild a meeting saved by ``to_doc``; ``index`` is the registry's."""
        return cls(**meeting_fields_from_doc(doc), index=index if index is not None else SidIndex())

    # -- internals -------------------------------------------------------

    def _require_open(self) -> None:
        if self.status is MeetingStatus.SCHEDULED:
            raise MeetingScheduled(self.scheduled_at_ms or self.created_at_ms)
        if self.status is not MeetingStatus.ACTIVE:
            raise MeetingNotFound()

    def _own_participant(self, sid: Sid) -> Participant | None:
        """This socket's participant here; refuses a socket busy in another meeting."""
        seat = self.index.seat(sid)
        queued = self.index.queue(sid)
        if (seat is not None and seat[0] != self.id) or (queued is not None and queued != self.id):
            raise AlreadyInAnotherMeeting()
        return self.participants.get(seat[1]) if seat else None

    def _replace(self, previous: Participant, new_id: ParticipantId, now_ms: int) -> Participant:
        """Drop the socket's earlier record; a recording it announced moves with it."""
        del self.participants[previous.id]
        self._close_attendance(previous.id, now_ms)
        if self.recording and self.recording.participant_id == previous.id:
            self.recording = dataclasses.replace(self.recording, participant_id=new_id)
        self._collab_replaced(previous.id, new_id)
        return previous.snapshot()

    def _remove(self, participant: Participant, reason: LeaveReason, now_ms: int) -> list[MeetingEvent]:
        del self.participants[participant.id]
        self.index.unbind_seat(participant.sid, self.id)
        self._close_attendance(participant.id, now_ms)
        events: list[MeetingEvent] = []
        if self.recording and self.recording.recording_id is None and self.recording.participant_id == participant.id:
            self.recording = None
            events.append(RecordingStopped(self.id, participant.id))
        events.extend(self._collab_left(participant))
        left = ParticipantLeft(self.id, participant.snapshot(), reason, self.is_empty, len(self.participants))
        events.append(left)
        return events

    def _close_attendance(self, participant_id: ParticipantId, now_ms: int) -> None:
        for record in reversed(self.attendance):
            if record.participant_id == participant_id and record.left_at is None:
                record.left_at = now_ms
                return
