"""Breakout rooms of one meeting: which room each participant is in, and who may signal whom.

One map, participant → room id, is the whole truth: the signalling rule
(``can_signal``), media-toggle routing and the Socket.IO rooms the
publisher keeps (``breakout:<meetingId>:<roomId>``) all follow it. The
original kept a per-room map plus Socket.IO memberships that could
disagree (``breakout:leave`` left the Socket.IO room but not the map).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import BreakoutNotFound, ValidationError
from .ids import ParticipantId
from .text import clean_text

BREAKOUT_ROOMS_MIN, BREAKOUT_ROOMS_MAX = 1, 20
ROOM_NAME_MAX = 60
ASSIGNMENTS_MAX = 500
BROADCAST_MAX = 500
NO_ROOMS = "No breakout rooms are open"
NO_SUCH_ROOM = "Breakout room not found"


@dataclass(frozen=True)
class BreakoutRoom:
    id: str
    name: str


@dataclass
class Breakouts:
    rooms: dict[str, BreakoutRoom] = field(default_factory=dict)
    """Open rooms in creation order (``br-0``, ``br-1``, …); empty when none are open."""
    where: dict[ParticipantId, str] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return bool(self.rooms)

    def room_of(self, participant_id: ParticipantId) -> str | None:
        return self.where.get(participant_id)

    def can_signal(self, a: ParticipantId, b: ParticipantId) -> bool:
        """While rooms are open, only peers in the same room, or both in none, may signal."""
        return not self.rooms or self.where.get(a) == self.where.get(b)

    def members(self, room_id: str) -> list[ParticipantId]:
        return [pid for pid, room in self.where.items() if room == room_id]

    def open(self, names: object) -> tuple[list[str], list[BreakoutRoom]]:
        """Replace any open rooms; returns (the rooms closed, the rooms opened).

        A blank or non-string name becomes ``Room <n>``, as in the original.
        """
        if not isinstance(names, list) or not BREAKOUT_ROOMS_MIN <= len(names) <= BREAKOUT_ROOMS_MAX:
            raise ValidationError(f"Provide {BREAKOUT_ROOMS_MIN}-{BREAKOUT_ROOMS_MAX} breakout rooms")
        closed = self.close() if self.rooms else []
        for i, name in enumerate(names):
            room = BreakoutRoom(f"br-{i}", clean_text(name, ROOM_NAME_MAX, f"Room {i + 1}"))
            self.rooms[room.id] = room
        return closed, list(self.rooms.values())

    def room(self, room_id: object) -> BreakoutRoom:
        if not self.rooms:
            raise BreakoutNotFound(NO_ROOMS)
        found = self.rooms.get(room_id) if isinstance(room_id, str) else None
        if found is None:
            raise BreakoutNotFound(NO_SUCH_ROOM)
        return found

    def require_open(self) -> None:
        if not self.rooms:
            raise BreakoutNotFound(NO_ROOMS)

    def move(self, participant_id: ParticipantId, room_id: object) -> tuple[BreakoutRoom, str | None]:
        """Put a participant in a room (assign or join); returns (the room, the room it left)."""
        room = self.room(room_id)
        previous = self.where.pop(participant_id, None)
        self.where[participant_id] = room.id  # re-inserted: rosters list members in order of arrival
        return room, previous

    def remove(self, participant_id: ParticipantId) -> str | None:
        """Back to the main room (leave, or left the meeting); returns the room it was in."""
        return self.where.pop(participant_id, None)

    def close(self) -> list[str]:
        """Close every room; returns their ids. Everyone is back in the main room."""
        closed = list(self.rooms)
        self.rooms.clear()
        self.where.clear()
        return closed

    def rename(self, old: ParticipantId, new: ParticipantId) -> None:
        """A socket re-joined under a new participant id: it stays in its room."""
        if old in self.where:
            self.where[new] = self.where.pop(old)


def assignment_pairs(assignments: object) -> list[tuple[object, object]]:
    """``[{participantId, roomId}, …]`` as pairs; entries that are not objects are skipped.

    The original crashed the process on a ``null`` entry; a list longer than
    any meeting could need is refused rather than walked.
    """
    if not isinstance(assignments, list):
        raise ValidationError("assignments must be a list")
    if len(assignments) > ASSIGNMENTS_MAX:
        raise ValidationError(f"Too many assignments (max {ASSIGNMENTS_MAX})")
    return [(a.get("participantId"), a.get("roomId")) for a in assignments if isinstance(a, dict)]
