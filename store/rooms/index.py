"""Which meeting each socket is in, shared by all meetings of one registry.

Socket handlers only know their ``sid``; this index finds the caller's
meeting and participant in O(1). Meetings update it themselves on every
join, leave, kick, admit and end, so it cannot drift from the meetings'
own maps however a handler reaches a meeting.
"""

from __future__ import annotations

from .ids import MeetingId, ParticipantId, Sid


class SidIndex:
    def __init__(self) -> None:
        self._seats: dict[Sid, tuple[MeetingId, ParticipantId]] = {}
        self._queued: dict[Sid, MeetingId] = {}

    def seat(self, sid: Sid) -> tuple[MeetingId, ParticipantId] | None:
        """The meeting and participant this socket joined as, if any."""
        return self._seats.get(sid)

    def queue(self, sid: Sid) -> MeetingId | None:
        """The meeting whose waiting room holds (or has admitted) this socket."""
        return self._queued.get(sid)

    def bind_seat(self, sid: Sid, meeting_id: MeetingId, participant_id: ParticipantId) -> None:
        self._seats[sid] = (meeting_id, participant_id)

    def unbind_seat(self, sid: Sid, meeting_id: MeetingId | None = None) -> None:
        """Free the socket's seat; with ``meeting_id``, only a seat in that meeting."""
        seat = self._seats.get(sid)
        if seat is not None and (meeting_id is None or seat[0] == meeting_id):
            del self._seats[sid]

    def bind_queue(self, sid: Sid, meeting_id: MeetingId) -> None:
        self._queued[sid] = meeting_id

    def unbind_queue(self, sid: Sid, meeting_id: MeetingId | None = None) -> None:
        """Free the socket's queue place; with ``meeting_id``, only a place in that meeting."""
        queued = self._queued.get(sid)
        if queued is not None and (meeting_id is None or queued == meeting_id):
            del self._queued[sid]

    def __len__(self) -> int:
        """Bound sockets, seats plus queue; tests use it to catch leaks."""
        return len(self._seats) + len(self._queued)
