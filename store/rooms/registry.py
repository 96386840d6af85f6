"""All live meetings of this process, and the socket index over them.

The registry owns the meetings' shared ``SidIndex``: every meeting it
creates or restores updates that index itself, so ``by_sid`` stays right
whether a handler goes through the registry or straight to a meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .errors import DomainError, MeetingNotFound, ParticipantNotFound, ValidationError
from .events import MeetingEnded, MeetingEvent, ParticipantJoined
from .ids import MeetingId, OwnerId, Sid, new_meeting_id
from .index import SidIndex
from .meeting import Meeting
from .model import MeetingStatus, Participant
from .settings import TITLE_MAX, Settings
from .text import clean_text
from .tokens import hash_token, new_admin_token

DEFAULT_TITLE = "Untitled Meeting"


class Registry:
    def __init__(self) -> None:
        self._meetings: dict[MeetingId, Meeting] = {}
        self._index = SidIndex()

    def create(
        self,
        *,
        now_ms: int,
        title: object = None,
        settings: Settings | None = None,
        scheduled_at_ms: int | None = None,
        owner_id: OwnerId | None = None,
        owner_company_id: OwnerId | None = None,
        is_guest: bool = False,
        default_title: str = DEFAULT_TITLE,
    ) -> tuple[Meeting, str]:
        """A new meeting and its raw admin token, which is shown once and not kept."""
        if scheduled_at_ms is not None and scheduled_at_ms <= now_ms:
            raise ValidationError("scheduledAt must be in the future")
        admin_token = new_admin_token()
        meeting = Meeting(
            id=new_meeting_id(self._meetings),
            title=clean_text(title, TITLE_MAX, default_title),
            admin_token_hash=hash_token(admin_token),
            created_at_ms=now_ms,
            settings=settings or Settings(),
            status=MeetingStatus.ACTIVE if scheduled_at_ms is None else MeetingStatus.SCHEDULED,
            scheduled_at_ms=scheduled_at_ms,
            owner_id=owner_id,
            owner_company_id=owner_company_id,
            is_guest=is_guest,
            index=self._index,
        )
        self._meetings[meeting.id] = meeting
        return meeting, admin_token

    def get(self, meeting_id: object) -> Meeting:
        """The meeting, active or scheduled; ``MeetingNotFound`` for anything else."""
        found = self._meetings.get(MeetingId(meeting_id)) if isinstance(meeting_id, str) else None
        if found is None or found.status is MeetingStatus.ENDED:
            raise MeetingNotFound()
        return found

    def __contains__(self, meeting_id: object) -> bool:
        return isinstance(meeting_id, str) and meeting_id in self._meetings

    def __iter__(self) -> Iterator[Meeting]:
        """Meetings in creation order (how onepizza lists them)."""
        return iter(list(self._meetings.values()))

    def __len__(self) -> int:
        return len(self._meetings)

    def activate_due(self, now_ms: int) -> list[Meeting]:
        """Open every scheduled meeting whose time has come; the caller fires webhooks."""
        due = [
            m
            for m in self._meetings.values()
            if m.status is MeetingStatus.SCHEDULED and m.scheduled_at_ms is not None and m.scheduled_at_ms <= now_ms
        ]
        for meeting in due:
            meeting.activate(now_ms)
        return due

    def end(self, meeting_id: object, reason: object, now_ms: int) -> MeetingEnded:
        """End a meeting and forget it: REST DELETE, grace timeout, shutdown."""
        ended = self.get(meeting_id).end(reason, now_ms)
        self.remove(ended.meeting_id)
        return ended

    def remove(self, meeting_id: MeetingId) -> Meeting | None:
        """Forget a meeting without events; any sockets still bound are released."""
        meeting = self._meetings.pop(meeting_id, None)
        if meeting is not None:
            for participant in meeting.participants.values():
                self._index.unbind_seat(participant.sid, meeting_id)
            for sid in meeting.waiting.sids():
                self._index.unbind_queue(sid, meeting_id)
        return meeting

    def lookup_sid(self, sid: Sid) -> tuple[Meeting, Participant] | None:
        """The caller's meeting and participant, or None if the socket has no seat."""
        seat = self._index.seat(sid)
        if seat is None:
            return None
        meeting = self._meetings.get(seat[0])
        participant = meeting.participants.get(seat[1]) if meeting else None
        if meeting is None or participant is None:
            return None
        return meeting, participant

    def by_sid(self, sid: Sid) -> tuple[Meeting, Participant]:
        found = self.lookup_sid(sid)
        if found is None:
            raise ParticipantNotFound()
        return found

    def queued_in(self, sid: Sid) -> Meeting | None:
        """The meeting whose waiting room holds this socket, if any."""
        queued = self._index.queue(sid)
        return self._meetings.get(queued) if queued is not None else None

    def join(
        self,
        sid: Sid,
        meeting_id: object,
        name: object,
        *,
        now_ms: int,
        is_admin: object = False,
        admin_token: object = None,
        invite_token: object = None,
    ) -> tuple[ParticipantJoined, Meeting | None, list[MeetingEvent]]:
        """``join-meeting``: seat the socket, moving it out of any other meeting it is in.

        A socket holds one place at a time. When it sits (or waits) in
        another meeting, the new meeting's rules are checked as for a free
        socket, and the old place is given up only if they pass: a refused
        join leaves the socket where it was. Returns the join, the meeting
        it left (if any) and that meeting's events.
        """
        meeting = self.get(meeting_id)
        seat, queued = self._index.seat(sid), self._index.queue(sid)
        old_seat = seat if seat is not None and seat[0] != meeting.id else None
        old_queue = queued if queued is not None and queued != meeting.id else None
        if old_seat is not None:
            self._index.unbind_seat(sid)
        if old_queue is not None:
            self._index.unbind_queue(sid)
        try:
            joined = meeting.join(
                sid, name, now_ms=now_ms, is_admin=is_admin, admin_token=admin_token, invite_token=invite_token
            )
        except DomainError:
            if old_seat is not None:
                self._index.bind_seat(sid, *old_seat)
            if old_queue is not None:
                self._index.bind_queue(sid, old_queue)
            raise
        left: Meeting | None = None
        events: list[MeetingEvent] = []
        if old_queue is not None and old_queue in self._meetings:
            left = self._meetings[old_queue]
            removed = left.remove_waiting(sid)
            if removed is not None:
                events.append(removed)
        if old_seat is not None and old_seat[0] in self._meetings:
            left = self._meetings[old_seat[0]]
            previous = left.participants.get(old_seat[1])
            if previous is not None:
                events.extend(left.drop(previous, now_ms))
        return joined, left, events

    def disconnect(self, sid: Sid, now_ms: int) -> list[MeetingEvent]:
        """Everything a closed socket leaves behind: its queue place and its seat."""
        events: list[MeetingEvent] = []
        queued = self._index.queue(sid)
        if queued is not None and queued in self._meetings:
            removed = self._meetings[queued].remove_waiting(sid)
            if removed is not None:
                events.append(removed)
        self._index.unbind_queue(sid)
        seat = self.lookup_sid(sid)
        if seat is not None:
            events.extend(seat[0].leave(sid, now_ms))
        return events

    def snapshot(self) -> list[dict[str, Any]]:
        """Documents for every meeting worth reloading (guest meetings never are)."""
        return [m.to_doc() for m in self._meetings.values() if not m.is_guest and m.status is not MeetingStatus.ENDED]

    def restore(self, docs: Iterable[dict[str, Any]]) -> list[Meeting]:
        """Reload saved meetings (after a restart); ended ones and known ids are skipped.

        Restored active meetings are empty: the server should start their
        grace timers, as if everyone had just left.
        """
        restored = []
        for doc in docs:
            meeting = Meeting.from_doc(doc, self._index)
            if meeting.status is MeetingStatus.ENDED or meeting.id in self._meetings:
                continue
            self._meetings[meeting.id] = meeting
            restored.append(meeting)
        return restored
