"""Polls and the Q&A queue of one meeting: state and rules, no participants.

The caller (``collab.MeetingCollaboration``) decides who may act; this
module decides what the act does. Both lists are capped: the original kept
every poll and question for the meeting's lifetime with no bound.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .errors import LimitReached, PollClosed, PollNotFound, QuestionNotFound, ValidationError
from .ids import ParticipantId
from .text import cut_utf16

POLLS_MAX = 50
POLL_QUESTION_MAX = 500
POLL_OPTION_MAX = 200
POLL_OPTIONS_MIN, POLL_OPTIONS_MAX = 2, 10
QUESTIONS_MAX = 500
QUESTION_MAX = 500
ANSWER_MAX = 1000
POLL_SHAPE_MESSAGE = "Provide question and 2-10 options"


@dataclass(frozen=True)
class PollOption:
    id: str
    text: str


@dataclass(frozen=True)
class Tally:
    """A poll's results at one moment: ``(option id, text, count)`` each, and the voter count."""

    poll_id: str
    results: tuple[tuple[str, str, int], ...]
    total_votes: int


@dataclass
class Poll:
    id: str
    question: str
    options: tuple[PollOption, ...]
    created_at: int
    is_active: bool = True
    votes: dict[ParticipantId, str] = field(default_factory=dict)
    """Voter → option id: one entry per voter, so a second vote replaces the first."""

    def tally(self) -> Tally:
        counts = {option.id: 0 for option in self.options}
        for choice in self.votes.values():
            counts[choice] += 1
        results = tuple((o.id, o.text, counts[o.id]) for o in self.options)
        return Tally(self.id, results, len(self.votes))


def _trimmed(value: object, limit: int) -> str:
    """Stripped and cut (never through an emoji); "" for non-strings."""
    return cut_utf16(value.strip(), limit).strip() if isinstance(value, str) else ""


@dataclass
class Polls:
    by_id: dict[str, Poll] = field(default_factory=dict)

    def create(self, question: object, options: object, now_ms: int) -> Poll:
        """Question and options must be non-blank strings (the original String'd anything)."""
        text = _trimmed(question, POLL_QUESTION_MAX)
        if not text or not isinstance(options, list) or not POLL_OPTIONS_MIN <= len(options) <= POLL_OPTIONS_MAX:
            raise ValidationError(POLL_SHAPE_MESSAGE)
        labels = [_trimmed(option, POLL_OPTION_MAX) for option in options]
        if not all(labels):
            raise ValidationError(POLL_SHAPE_MESSAGE)
        if len(self.by_id) >= POLLS_MAX:
            raise LimitReached(f"Too many polls in this meeting (max {POLLS_MAX})")
        opts = tuple(PollOption(f"opt_{i}", label) for i, label in enumerate(labels))
        poll = Poll(str(uuid.uuid4()), text, opts, now_ms)
        self.by_id[poll.id] = poll
        return poll

    def get(self, poll_id: object) -> Poll:
        found = self.by_id.get(poll_id) if isinstance(poll_id, str) else None
        if found is None:
            raise PollNotFound()
        return found

    def vote(self, poll_id: object, voter: ParticipantId, option_id: object) -> Tally:
        poll = self.get(poll_id)
        if not poll.is_active:
            raise PollClosed()
        if not any(option.id == option_id for option in poll.options):
            raise ValidationError("Invalid option")
        poll.votes[voter] = str(option_id)
        return poll.tally()

    def end(self, poll_id: object) -> Tally:
        """Ending an ended poll is allowed and repeats its results, as in the original."""
        poll = self.get(poll_id)
        poll.is_active = False
        return poll.tally()

    def rename_voter(self, old: ParticipantId, new: ParticipantId) -> None:
        """A socket re-joined (new participant id): its votes follow it, so it cannot vote twice."""
        for poll in self.by_id.values():
            if old in poll.votes:
                poll.votes[new] = poll.votes.pop(old)


@dataclass
class Question:
    id: str
    text: str
    asked_by: ParticipantId | None
    """None when asked over REST (no seat)."""
    asked_by_name: str
    created_at: int
    upvotes: set[ParticipantId] = field(default_factory=set)
    is_answered: bool = False
    answer: str | None = None
    answered_by: str | None = None
    dismissed: bool = False


@dataclass
class Questions:
    by_id: dict[str, Question] = field(default_factory=dict)

    def ask(self, asker: ParticipantId | None, asker_name: str, text: object, now_ms: int) -> Question:
        body = _trimmed(text, QUESTION_MAX)
        if not body:
            raise ValidationError("Question must be a non-empty string")
        if len(self.by_id) >= QUESTIONS_MAX:
            raise LimitReached(f"Too many questions in this meeting (max {QUESTIONS_MAX})")
        question = Question(str(uuid.uuid4()), body, asker, asker_name, now_ms)
        self.by_id[question.id] = question
        return question

    def get(self, question_id: object) -> Question:
        found = self.by_id.get(question_id) if isinstance(question_id, str) else None
        if found is None:
            raise QuestionNotFound()
        return found

    def upvote(self, question_id: object, voter: ParticipantId) -> Question:
        """Toggles: a second upvote by the same participant takes the first back."""
        question = self.get(question_id)
        if voter in question.upvotes:
            question.upvotes.discard(voter)
        else:
            question.upvotes.add(voter)
        return question

    def answer(self, question_id: object, answer: object, answered_by: str) -> Question:
        """``answer`` may be left out (marks the question answered); otherwise it must be text."""
        if answer is not None and not isinstance(answer, str):
            raise ValidationError("Answer must be a string")
        question = self.get(question_id)
        question.is_answered = True
        question.answer = _trimmed(answer, ANSWER_MAX)
        question.answered_by = answered_by
        return question

    def dismiss(self, question_id: object) -> Question:
        question = self.get(question_id)
        question.dismissed = True
        return question

    def open_by_votes(self) -> list[Question]:
        """Not dismissed, most upvoted first (ties in asking order), as the original lists them."""
        return sorted((q for q in self.by_id.values() if not q.dismissed), key=lambda q: -len(q.upvotes))

    def rename_voter(self, old: ParticipantId, new: ParticipantId) -> None:
        for question in self.by_id.values():
            if old in question.upvotes:
                question.upvotes.discard(old)
                question.upvotes.add(new)
