"""Client payloads for polls, Q&A, notes, breakout rooms and streaming (contract §4.7–4.9).

Function names follow the wire event (``poll:created`` → ``poll_created``);
shapes are onepizza's, so the original meeting page renders them unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .collab_events import (
    BreakoutLeft,
    BreakoutMessage,
    BreakoutMoved,
    BreakoutRoomView,
    BreakoutRoster,
    BreakoutsOpened,
    FileShared,
    NotesUpdated,
    PollCreated,
    QuestionAsked,
    QuestionUpdated,
    StreamStarted,
)
from .polls import Poll, Question, Tally

if TYPE_CHECKING:
    from .collab import Notes

Payload = dict[str, Any]
BROADCAST_FROM = "Host"


def poll_created(ev: PollCreated) -> Payload:
    options = [{"id": o.id, "text": o.text} for o in ev.options]
    return {"id": ev.poll_id, "question": ev.question, "options": options, "isActive": True}


def poll_tally(tally: Tally) -> Payload:
    """``poll:updated`` and ``poll:ended``."""
    results = [{"id": oid, "text": text, "count": count} for oid, text, count in tally.results]
    return {"pollId": tally.poll_id, "results": results, "totalVotes": tally.total_votes}


def asked_by(participant_id: str | None, name: str) -> Payload:
    """``{participantId, name}`` from a seat; ``{name}`` when asked over REST."""
    return {"name": name} if participant_id is None else {"participantId": participant_id, "name": name}


def qa_new(ev: QuestionAsked) -> Payload:
    return {
        "id": ev.question_id,
        "text": ev.text,
        "askedBy": asked_by(ev.asked_by, ev.asked_by_name),
        "upvoteCount": 0,
        "isAnswered": False,
        "createdAt": ev.created_at,
    }


def qa_updated(ev: QuestionUpdated) -> Payload:
    return {"questionId": ev.question_id, **ev.changes}


def poll_listing(poll: Poll) -> Payload:
    """One entry of ``GET …/polls``."""
    tally = poll_tally(poll.tally())
    options = [{"id": o.id, "text": o.text} for o in poll.options]
    return {"id": poll.id, "question": poll.question, "options": options, "isActive": poll.is_active,
            "totalVotes": tally["totalVotes"], "results": tally["results"]}


def question_listing(q: Question) -> Payload:
    """One entry of ``GET …/questions``."""
    return {"id": q.id, "text": q.text, "askedBy": asked_by(q.asked_by, q.asked_by_name),
            "upvoteCount": len(q.upvotes), "isAnswered": q.is_answered, "answer": q.answer,
            "answeredBy": q.answered_by, "createdAt": q.created_at}


def notes_state(notes: Notes) -> Payload:
    """``GET …/notes``: ``lastUpdatedAt`` in epoch ms, null before the first edit."""
    return {"content": notes.content, "lastUpdatedBy": notes.last_updated_by, "lastUpdatedAt": notes.last_updated_at}


def notes_updated(ev: NotesUpdated) -> Payload:
    return {"content": ev.content, "lastUpdatedBy": ev.updated_by}


def chat_file(ev: FileShared) -> Payload:
    """The original's fields, plus ``downloadUrl``: a signed link, so a guest in the room can fetch it."""
    return {"fileId": ev.file_id, "name": ev.name, "size": ev.size, "mimeType": ev.mime_type, "sender": ev.sender,
            "timestamp": ev.timestamp, "downloadUrl": ev.download_url}


def breakout_created(ev: BreakoutsOpened) -> Payload:
    return {"rooms": [{"id": r.room_id, "name": r.name, "participantCount": 0} for r in ev.rooms]}


def _room_with_members(room: BreakoutRoomView) -> Payload:
    return {
        "id": room.room_id,
        "name": room.name,
        "participantCount": len(room.members),
        "participants": [{"id": m.participant_id, "name": m.name} for m in room.members],
    }


def breakout_updated(ev: BreakoutRoster) -> Payload:
    return {"rooms": [_room_with_members(room) for room in ev.rooms]}


def breakout_assigned(ev: BreakoutMoved) -> Payload:
    return {"roomId": ev.room_id, "roomName": ev.room_name}


def breakout_participant_joined(ev: BreakoutMoved) -> Payload:
    return {"participantId": ev.participant_id, "roomId": ev.room_id}


def breakout_participant_left(ev: BreakoutMoved | BreakoutLeft) -> Payload:
    return {"participantId": ev.participant_id}


def breakout_message(ev: BreakoutMessage) -> Payload:
    return {"from": BROADCAST_FROM, "text": ev.text, "timestamp": ev.timestamp}


def stream_started(ev: StreamStarted) -> Payload:
    return {"hostName": ev.host_name}
