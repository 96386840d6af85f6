"""Polls, Q&A, shared notes, breakout rooms and the streaming flag (contract §4.7–4.9).

``Collaboration`` is the state, held by ``Meeting.collab``; ``MeetingCollaboration``
is the mixin that gives ``Meeting`` the socket actions on it. Each action
checks who is asking (hosts = participants who joined as admin), delegates
the rule to ``polls.py`` / ``breakout.py``, and returns events
(``collab_events.py``) or raises a ``DomainError`` having changed nothing.

Polls, questions, rooms and the stream flag are live-only, like the original's
in-memory maps: they are not in ``Meeting.to_doc`` and do not survive a restart.
The notes are saved with the meeting (``docs.py``), as the original keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .breakout import BROADCAST_MAX, Breakouts, assignment_pairs
from .collab_events import (
    BreakoutLeft,
    BreakoutMember,
    BreakoutMessage,
    BreakoutMoved,
    BreakoutRoomView,
    BreakoutRoster,
    BreakoutsClosed,
    BreakoutsOpened,
    FileShared,
    NotesUpdated,
    PollCreated,
    PollEnded,
    PollVoted,
    QuestionAsked,
    QuestionUpdated,
    StreamStarted,
    StreamStopped,
)
from .door import DEFAULT_NAME, NAME_MAX
from .errors import StreamActive, ValidationError
from .ids import ParticipantId
from .polls import Polls, Question, Questions
from .text import clean_text, cut_utf16

if TYPE_CHECKING:
    from .events import MeetingEvent
    from .ids import MeetingId, Sid
    from .model import Participant

NOTES_MAX = 50_000
HOST_NAME = "Host"
STREAM_URL_MAX = 500


@dataclass
class Notes:
    content: str = ""
    last_updated_by: str = ""
    last_updated_at: int | None = None


@dataclass(frozen=True)
class Stream:
    """Who declared the meeting live; the URL is kept but never sent to clients."""

    participant_id: ParticipantId
    url: str
    started_at: int


@dataclass
class Collaboration:
    polls: Polls = field(default_factory=Polls)
    questions: Questions = field(default_factory=Questions)
    notes: Notes = field(default_factory=Notes)
    breakouts: Breakouts = field(default_factory=Breakouts)
    stream: Stream | None = None


class MeetingCollaboration:
    """Mixin for ``Meeting``; see the module docstring. Every action needs a seat."""

    if TYPE_CHECKING:
        id: MeetingId
        participants: dict[ParticipantId, Participant]
        collab: Collaboration

        def by_sid(self, sid: Sid) -> Participant: ...
        def participant(self, participant_id: object) -> Participant: ...
        def require_host(self, sid: Sid) -> Participant: ...

    # -- polls -------------------------------------------------------------

    def create_poll(self, sid: Sid, question: object, options: object, now_ms: int) -> PollCreated:
        self.require_host(sid)
        return self.open_poll(question, options, now_ms)

    def vote(self, sid: Sid, poll_id: object, option_id: object) -> PollVoted:
        """One vote per participant per poll; voting again changes it (never counts twice)."""
        return self.cast_vote(self.by_sid(sid).id, poll_id, option_id)

    def end_poll(self, sid: Sid, poll_id: object) -> PollEnded:
        self.require_host(sid)
        return self.close_poll(poll_id)

    # -- Q&A ---------------------------------------------------------------

    def ask(self, sid: Sid, text: object, now_ms: int) -> QuestionAsked:
        me = self.by_sid(sid)
        return self._asked(self.collab.questions.ask(me.id, me.name, text, now_ms))

    def upvote(self, sid: Sid, question_id: object) -> QuestionUpdated:
        return self.upvote_as(self.by_sid(sid).id, question_id)

    def answer(self, sid: Sid, question_id: object, answer: object) -> QuestionUpdated:
        host = self.require_host(sid)
        return self.answer_question(question_id, answer, host.name)

    def dismiss(self, sid: Sid, question_id: object) -> QuestionUpdated:
        self.require_host(sid)
        return self.dismiss_question(question_id)

    # -- notes -------------------------------------------------------------

    def update_notes(self, sid: Sid, content: object, now_ms: int) -> NotesUpdated:
        host = self.require_host(sid)
        return self.write_notes(content, host.name, now_ms, skip=sid)

    # -- entry points by voter key or admin token (REST, contract §3.7) -------
    # The caller's authority is the handler's: a host proved it with the meeting's
    # x-admin-token, a voter with the meeting's tenant key or session.

    def rest_voter(self, participant_id: object, user_id: int | None) -> ParticipantId:
        """Whose vote or upvote a REST call is: the named participant if it is in this meeting,
        else the API user (``user:<id>``), else ``api`` (host token alone), as in the original."""
        if isinstance(participant_id, str) and participant_id in self.participants:
            return ParticipantId(participant_id)
        return ParticipantId(f"user:{user_id}" if user_id is not None else "api")

    def open_poll(self, question: object, options: object, now_ms: int) -> PollCreated:
        poll = self.collab.polls.create(question, options, now_ms)
        return PollCreated(self.id, poll.id, poll.question, poll.options)

    def cast_vote(self, voter: ParticipantId, poll_id: object, option_id: object) -> PollVoted:
        return PollVoted(self.id, self.collab.polls.vote(poll_id, voter, option_id))

    def close_poll(self, poll_id: object) -> PollEnded:
        return PollEnded(self.id, self.collab.polls.end(poll_id))

    def post_question(self, name: object, text: object, now_ms: int) -> QuestionAsked:
        """Asked without a seat: ``askedBy`` is ``{name}`` only (default ``Anonymous``)."""
        asker = clean_text(name, NAME_MAX, DEFAULT_NAME)
        return self._asked(self.collab.questions.ask(None, asker, text, now_ms))

    def upvote_as(self, voter: ParticipantId, question_id: object) -> QuestionUpdated:
        q = self.collab.questions.upvote(question_id, voter)
        return QuestionUpdated(self.id, q.id, {"upvoteCount": len(q.upvotes)})

    def answer_question(self, question_id: object, answer: object, answered_by: object) -> QuestionUpdated:
        by = clean_text(answered_by, NAME_MAX, HOST_NAME)
        q = self.collab.questions.answer(question_id, answer, by)
        return QuestionUpdated(self.id, q.id, {"isAnswered": True, "answer": q.answer, "answeredBy": q.answered_by})

    def dismiss_question(self, question_id: object) -> QuestionUpdated:
        q = self.collab.questions.dismiss(question_id)
        return QuestionUpdated(self.id, q.id, {"dismissed": True})

    def write_notes(self, content: object, by: str, now_ms: int, *, skip: Sid | None = None) -> NotesUpdated:
        """``skip``: the editing socket, which already has the text (REST edits go to everyone)."""
        if not isinstance(content, str):
            raise ValidationError("content must be a string")
        notes = self.collab.notes
        notes.content, notes.last_updated_by, notes.last_updated_at = cut_utf16(content, NOTES_MAX), by, now_ms
        return NotesUpdated(self.id, skip, notes.content, by)

    def share_file(self, file_id: int, name: str, size: int, mime_type: str, sender: str, now_ms: int,
                   download_url: str) -> FileShared:
        """A file uploaded through REST (``shared_files.py`` has taken it) is announced in the chat."""
        return FileShared(self.id, file_id, name, size, mime_type, sender, now_ms, download_url)

    def _asked(self, q: Question) -> QuestionAsked:
        return QuestionAsked(self.id, q.id, q.text, q.asked_by, q.asked_by_name, q.created_at)

    # -- breakout rooms ----------------------------------------------------

    def open_breakouts(self, sid: Sid, names: object) -> list[MeetingEvent]:
        """Open rooms ``br-0``…; rooms already open are closed first (their members get ``breakout:closed``)."""
        self.require_host(sid)
        closed, opened = self.collab.breakouts.open(names)
        events: list[MeetingEvent] = [BreakoutsClosed(self.id, tuple(closed), all_closed=False)] if closed else []
        events.append(BreakoutsOpened(self.id, tuple(BreakoutRoomView(r.id, r.name) for r in opened)))
        return events

    def assign_breakouts(self, sid: Sid, assignments: object) -> list[MeetingEvent]:
        """Move participants into rooms; unknown participants or rooms are skipped. Ends with the roster."""
        self.require_host(sid)
        breakouts = self.collab.breakouts
        breakouts.require_open()
        events: list[MeetingEvent] = []
        for participant_id, room_id in assignment_pairs(assignments):
            target = self.participants.get(ParticipantId(participant_id)) if isinstance(participant_id, str) else None
            if target is None or not isinstance(room_id, str) or room_id not in breakouts.rooms:
                continue
            room, previous = breakouts.move(target.id, room_id)
            events.append(BreakoutMoved(self.id, target.id, target.sid, room.id, room.name, previous, assigned=True))
        events.append(BreakoutRoster(self.id, self._breakout_roster()))
        return events

    def join_breakout(self, sid: Sid, room_id: object) -> BreakoutMoved:
        """Anyone may enter any open room (as in the original); the page does it when assigned."""
        me = self.by_sid(sid)
        room, previous = self.collab.breakouts.move(me.id, room_id)
        return BreakoutMoved(self.id, me.id, me.sid, room.id, room.name, previous, assigned=False)

    def leave_breakout(self, sid: Sid) -> BreakoutLeft | None:
        """Back to the main room, for signalling too (the original left its map untouched)."""
        me = self.by_sid(sid)
        room_id = self.collab.breakouts.remove(me.id)
        return BreakoutLeft(self.id, me.id, me.sid, room_id) if room_id is not None else None

    def broadcast_to_breakouts(self, sid: Sid, message: object, now_ms: int) -> BreakoutMessage:
        self.require_host(sid)
        breakouts = self.collab.breakouts
        breakouts.require_open()
        text = cut_utf16(message.strip(), BROADCAST_MAX).strip() if isinstance(message, str) else ""
        if not text:
            raise ValidationError("Message must be a non-empty string")
        return BreakoutMessage(self.id, tuple(breakouts.rooms), text, now_ms)

    def close_breakouts(self, sid: Sid) -> BreakoutsClosed:
        self.require_host(sid)
        self.collab.breakouts.require_open()
        return BreakoutsClosed(self.id, tuple(self.collab.breakouts.close()), all_closed=True)

    def breakout_room_of(self, participant_id: ParticipantId) -> str | None:
        """Where a participant's audio/video toggles go: its breakout room, or None for the main room."""
        return self.collab.breakouts.room_of(participant_id)

    def signal_target(self, sender: Participant, to: object) -> Participant | None:
        """The addressed participant, or None when breakout rooms keep the two apart."""
        target = self.participant(to)
        return target if self.collab.breakouts.can_signal(sender.id, target.id) else None

    def _breakout_roster(self) -> tuple[BreakoutRoomView, ...]:
        breakouts = self.collab.breakouts
        return tuple(
            BreakoutRoomView(room.id, room.name, tuple(
                BreakoutMember(pid, self.participants[pid].name)
                for pid in breakouts.members(room.id) if pid in self.participants
            ))
            for room in breakouts.rooms.values()
        )

    # -- streaming flag ----------------------------------------------------

    def start_stream(self, sid: Sid, url: object, now_ms: int) -> StreamStarted:
        """Host only, checked first: the original told non-hosts ``Stream already active``."""
        host = self.require_host(sid)
        if self.collab.stream is not None:
            raise StreamActive()
        target = cut_utf16(url.strip(), STREAM_URL_MAX).strip() if isinstance(url, str) else ""
        if not target:
            raise ValidationError("Stream URL required")
        self.collab.stream = Stream(host.id, target, now_ms)
        return StreamStarted(self.id, host.name)

    def stop_stream(self, sid: Sid) -> StreamStopped | None:
        """Any host may stop it; ``None`` (nothing sent) when no stream is live."""
        self.require_host(sid)
        if self.collab.stream is None:
            return None
        self.collab.stream = None
        return StreamStopped(self.id)

    @property
    def is_streaming(self) -> bool:
        return self.collab.stream is not None

    # -- lifecycle hooks (called by ``Meeting``) ----------------------------

    def _collab_left(self, participant: Participant) -> list[MeetingEvent]:
        """A participant left: its breakout place goes, and its stream stops. Votes stay."""
        events: list[MeetingEvent] = []
        stream = self.collab.stream
        if stream is not None and stream.participant_id == participant.id:
            self.collab.stream = None
            events.append(StreamStopped(self.id))
        room_id = self.collab.breakouts.remove(participant.id)
        if room_id is not None:
            events.append(BreakoutLeft(self.id, participant.id, participant.sid, room_id))
        return events

    def _collab_replaced(self, old: ParticipantId, new: ParticipantId) -> None:
        """Same socket, new participant id: votes, upvotes, room and stream follow it."""
        collab = self.collab
        collab.polls.rename_voter(old, new)
        collab.questions.rename_voter(old, new)
        collab.breakouts.rename(old, new)
        if collab.stream is not None and collab.stream.participant_id == old:
            collab.stream = Stream(new, collab.stream.url, collab.stream.started_at)

    def _end_collaboration(self) -> tuple[str, ...]:
        """The meeting ended: forget everything; returns the breakout rooms to close."""
        rooms = tuple(self.collab.breakouts.rooms)
        self.collab = Collaboration()
        return rooms
