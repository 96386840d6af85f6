"""What polls, Q&A, notes, breakout rooms and streaming produce.

All subclass ``CollabEvent`` so the publisher hands them to one place
(``handlers/socket/collab_publish.py``); payloads are built in
``collab_wire.py``. Frozen and detached, like ``events.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .events import MeetingEvent
from .ids import ParticipantId, Sid
from .polls import PollOption, Tally


@dataclass(frozen=True)
class CollabEvent(MeetingEvent):
    pass


@dataclass(frozen=True)
class PollCreated(CollabEvent):
    """``poll:created`` to the room."""

    poll_id: str
    question: str
    options: tuple[PollOption, ...]


@dataclass(frozen=True)
class PollVoted(CollabEvent):
    """``poll:updated {pollId, results, totalVotes}`` to the room."""

    tally: Tally


@dataclass(frozen=True)
class PollEnded(CollabEvent):
    """``poll:ended {pollId, results, totalVotes}`` to the room."""

    tally: Tally


@dataclass(frozen=True)
class QuestionAsked(CollabEvent):
    """``qa:new`` to the room."""

    question_id: str
    text: str
    asked_by: ParticipantId | None
    asked_by_name: str
    created_at: int


@dataclass(frozen=True)
class QuestionUpdated(CollabEvent):
    """``qa:updated {questionId, **changes}`` to the room; changes use wire keys."""

    question_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class NotesUpdated(CollabEvent):
    """``notes:updated {content, lastUpdatedBy}`` to everyone but the editor (``sid``; None: everyone)."""

    changes_record: ClassVar[bool] = True  # the notes are saved with the meeting

    sid: Sid | None
    content: str
    updated_by: str


@dataclass(frozen=True)
class FileShared(CollabEvent):
    """``chat:file {fileId, name, size, mimeType, sender, timestamp, downloadUrl}`` to the room."""

    file_id: int
    name: str
    size: int
    mime_type: str
    sender: str
    timestamp: int
    download_url: str


@dataclass(frozen=True)
class BreakoutMember:
    participant_id: ParticipantId
    name: str


@dataclass(frozen=True)
class BreakoutRoomView:
    room_id: str
    name: str
    members: tuple[BreakoutMember, ...] = ()


@dataclass(frozen=True)
class BreakoutsOpened(CollabEvent):
    """``breakout:created {rooms}`` to the room."""

    rooms: tuple[BreakoutRoomView, ...]


@dataclass(frozen=True)
class BreakoutsClosed(CollabEvent):
    """Each room gets ``breakout:closed`` and is emptied.

    ``all_closed``: the host closed them (the main room then gets
    ``breakout:all-closed``), rather than replacing them with new ones.
    """

    room_ids: tuple[str, ...]
    all_closed: bool


@dataclass(frozen=True)
class BreakoutRoster(CollabEvent):
    """``breakout:updated {rooms}`` (with members) to the room."""

    rooms: tuple[BreakoutRoomView, ...]


@dataclass(frozen=True)
class BreakoutMoved(CollabEvent):
    """A participant entered ``room_id`` (leaving ``previous``, if another room).

    ``assigned``: a host put it there (``breakout:assigned`` to it); otherwise
    it joined itself (``breakout:participant-joined`` to the room's others).
    """

    participant_id: ParticipantId
    sid: Sid
    room_id: str
    room_name: str
    previous: str | None
    assigned: bool


@dataclass(frozen=True)
class BreakoutLeft(CollabEvent):
    """Back in the main room: ``breakout:participant-left`` to the room it left."""

    participant_id: ParticipantId
    sid: Sid
    room_id: str


@dataclass(frozen=True)
class BreakoutMessage(CollabEvent):
    """``breakout:message {from: "Host", text, timestamp}`` to every breakout room."""

    room_ids: tuple[str, ...]
    text: str
    timestamp: int


@dataclass(frozen=True)
class StreamStarted(CollabEvent):
    """``stream:started {hostName}`` to the room (the URL is never sent)."""

    host_name: str


@dataclass(frozen=True)
class StreamStopped(CollabEvent):
    """``stream:stopped`` (no payload) to the room."""
