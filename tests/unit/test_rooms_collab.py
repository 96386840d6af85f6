"""Polls, Q&A, notes, breakout rooms and the streaming flag (``store/rooms/collab.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from rooms_support import T0, join

from store.rooms import Meeting, NotHost, ParticipantId, ParticipantNotFound, Sid, ValidationError
from store.rooms.attendance import attendance_csv, attendance_filename, attendance_json, attendance_lines, csv_cell
from store.rooms.breakout import ASSIGNMENTS_MAX
from store.rooms.collab_events import (
    BreakoutLeft,
    BreakoutMember,
    BreakoutMessage,
    BreakoutMoved,
    BreakoutRoomView,
    BreakoutRoster,
    BreakoutsClosed,
    BreakoutsOpened,
    NotesUpdated,
    PollCreated,
    QuestionAsked,
    QuestionUpdated,
    StreamStarted,
    StreamStopped,
)
from store.rooms.collab_wire import poll_created, poll_tally, qa_new
from store.rooms.errors import (
    BreakoutNotFound,
    DomainError,
    LimitReached,
    PollClosed,
    PollNotFound,
    QuestionNotFound,
    StreamActive,
)
from store.rooms.events import ParticipantJoined, ParticipantLeft
from store.rooms.model import AttendanceRecord
from store.rooms.polls import POLL_SHAPE_MESSAGE, POLLS_MAX, QUESTIONS_MAX

HOST, ANN, BOB = Sid("host"), Sid("ann"), Sid("bob")


@pytest.fixture
def ann(meeting: Meeting, host: ParticipantJoined) -> ParticipantJoined:
    return join(meeting, "ann", "Ann")


@pytest.fixture
def bob(meeting: Meeting, host: ParticipantJoined) -> ParticipantJoined:
    return join(meeting, "bob", "Bob")


def poll(meeting: Meeting, options: list[str] | None = None) -> PollCreated:
    return meeting.create_poll(HOST, "Lunch?", options or ["Pizza", "Sushi"], T0)


def refuses(call: Any, error: type[DomainError], message: str | None = None) -> None:
    with pytest.raises(error) as caught:
        call()
    if message is not None:
        assert caught.value.message == message


# -- polls -------------------------------------------------------------------


def test_host_creates_poll(meeting: Meeting, host: ParticipantJoined) -> None:
    event = meeting.create_poll(HOST, "  Lunch?  ", [" Pizza ", "😀" * 101, "x" * 300], T0)
    assert poll_created(event) == {
        "id": event.poll_id,
        "question": "Lunch?",
        "options": [{"id": "opt_0", "text": "Pizza"}, {"id": "opt_1", "text": "😀" * 100},
                    {"id": "opt_2", "text": "x" * 200}],
        "isActive": True,
    }
    assert len(event.poll_id) == 36 and meeting.collab.polls.by_id[event.poll_id].created_at == T0


def test_poll_question_cut_to_500(meeting: Meeting, host: ParticipantJoined) -> None:
    assert meeting.create_poll(HOST, "q" * 600, ["a", "b"], T0).question == "q" * 500


@pytest.mark.parametrize(
    ("question", "options"),
    [
        (None, ["a", "b"]), ("", ["a", "b"]), ("   ", ["a", "b"]), (5, ["a", "b"]),
        ("Q", None), ("Q", "ab"), ("Q", {"0": "a", "1": "b"}), ("Q", ["a"]), ("Q", ["a"] * 11),
        ("Q", ["a", ""]), ("Q", ["a", "  "]), ("Q", ["a", None]), ("Q", ["a", 3]), ("Q", ["a", ["b"]]),
    ],
)
def test_poll_shape_refused(meeting: Meeting, host: ParticipantJoined, question: object, options: object) -> None:
    refuses(lambda: meeting.create_poll(HOST, question, options, T0), ValidationError, POLL_SHAPE_MESSAGE)
    assert not meeting.collab.polls.by_id


@pytest.mark.parametrize("sid", [ANN, Sid("nobody")])
def test_only_hosts_create_and_end_polls(meeting: Meeting, ann: ParticipantJoined, sid: Sid) -> None:
    refuses(lambda: meeting.create_poll(sid, "Q", ["a", "b"], T0), NotHost)
    created = poll(meeting)
    refuses(lambda: meeting.end_poll(sid, created.poll_id), NotHost)
    assert meeting.collab.polls.by_id[created.poll_id].is_active


def test_polls_capped(meeting: Meeting, host: ParticipantJoined) -> None:
    for _ in range(POLLS_MAX):
        poll(meeting)
    refuses(lambda: poll(meeting), LimitReached, "Too many polls in this meeting (max 50)")
    assert len(meeting.collab.polls.by_id) == POLLS_MAX


def test_votes_are_counted_once_per_participant(meeting: Meeting, ann: ParticipantJoined, bob: ParticipantJoined) -> None:
    created = poll(meeting)
    meeting.vote(ANN, created.poll_id, "opt_0")
    meeting.vote(BOB, created.poll_id, "opt_0")
    again = meeting.vote(ANN, created.poll_id, "opt_0")
    assert poll_tally(again.tally) == {
        "pollId": created.poll_id,
        "results": [{"id": "opt_0", "text": "Pizza", "count": 2}, {"id": "opt_1", "text": "Sushi", "count": 0}],
        "totalVotes": 2,
    }
    changed = meeting.vote(ANN, created.poll_id, "opt_1")
    assert [r[2] for r in changed.tally.results] == [1, 1] and changed.tally.total_votes == 2


@pytest.mark.parametrize(
    ("poll_id", "option_id", "error", "message"),
    [
        ("missing", "opt_0", PollNotFound, "Poll not found"),
        (None, "opt_0", PollNotFound, "Poll not found"),
        (["x"], "opt_0", PollNotFound, "Poll not found"),
        ("POLL", "opt_2", ValidationError, "Invalid option"),
        ("POLL", None, ValidationError, "Invalid option"),
        ("POLL", 0, ValidationError, "Invalid option"),
        ("POLL", "Pizza", ValidationError, "Invalid option"),
    ],
)
def test_vote_refused(
    meeting: Meeting, ann: ParticipantJoined, poll_id: object, option_id: object, error: type[DomainError], message: str
) -> None:
    created = poll(meeting)
    target = created.poll_id if poll_id == "POLL" else poll_id
    refuses(lambda: meeting.vote(ANN, target, option_id), error, message)
    assert not meeting.collab.polls.by_id[created.poll_id].votes


def test_vote_needs_a_seat(meeting: Meeting, host: ParticipantJoined) -> None:
    created = poll(meeting)
    refuses(lambda: meeting.vote(Sid("ghost"), created.poll_id, "opt_0"), ParticipantNotFound)


def test_ended_poll_takes_no_votes_and_may_be_ended_again(meeting: Meeting, ann: ParticipantJoined) -> None:
    created = poll(meeting)
    meeting.vote(ANN, created.poll_id, "opt_1")
    ended = meeting.end_poll(HOST, created.poll_id)
    assert (ended.tally.total_votes, ended.tally.results[1][2]) == (1, 1)
    refuses(lambda: meeting.vote(ANN, created.poll_id, "opt_0"), PollClosed, "Poll is closed")
    assert meeting.end_poll(HOST, created.poll_id).tally == ended.tally
    refuses(lambda: meeting.end_poll(HOST, "missing"), PollNotFound)


def test_votes_stay_when_the_voter_leaves(meeting: Meeting, ann: ParticipantJoined) -> None:
    created = poll(meeting)
    meeting.vote(ANN, created.poll_id, "opt_0")
    meeting.leave(ANN, T0)
    assert meeting.end_poll(HOST, created.poll_id).tally.total_votes == 1


def test_rejoining_on_the_same_socket_does_not_vote_twice(meeting: Meeting, ann: ParticipantJoined) -> None:
    created = poll(meeting)
    meeting.vote(ANN, created.poll_id, "opt_0")
    meeting.upvote(ANN, meeting.ask(ANN, "Why?", T0).question_id)
    again = join(meeting, "ann", "Ann")
    assert again.participant.id != ann.participant.id
    assert meeting.vote(ANN, created.poll_id, "opt_1").tally.total_votes == 1
    question = next(iter(meeting.collab.questions.by_id.values()))
    assert meeting.upvote(ANN, question.id).changes == {"upvoteCount": 0}


# -- Q&A -------------------------------------------------------------------------


def test_ask(meeting: Meeting, ann: ParticipantJoined) -> None:
    event = meeting.ask(ANN, "  Why?  ", T0 + 5)
    assert event == QuestionAsked(meeting.id, event.question_id, "Why?", ann.participant.id, "Ann", T0 + 5)
    assert qa_new(event) == {
        "id": event.question_id, "text": "Why?", "askedBy": {"participantId": ann.participant.id, "name": "Ann"},
        "upvoteCount": 0, "isAnswered": False, "createdAt": T0 + 5,
    }
    assert meeting.ask(ANN, "q" * 501, T0).text == "q" * 500


@pytest.mark.parametrize("text", [None, "", "   ", 42, ["Why?"], {"text": "Why?"}])
def test_ask_refuses_blank(meeting: Meeting, ann: ParticipantJoined, text: object) -> None:
    refuses(lambda: meeting.ask(ANN, text, T0), ValidationError, "Question must be a non-empty string")
    assert not meeting.collab.questions.by_id


def test_ask_needs_a_seat(meeting: Meeting) -> None:
    refuses(lambda: meeting.ask(Sid("ghost"), "Why?", T0), ParticipantNotFound)


def test_questions_capped(meeting: Meeting, ann: ParticipantJoined) -> None:
    for i in range(QUESTIONS_MAX):
        meeting.ask(ANN, f"q{i}", T0)
    refuses(lambda: meeting.ask(ANN, "one more", T0), LimitReached, "Too many questions in this meeting (max 500)")


def test_upvote_toggles(meeting: Meeting, ann: ParticipantJoined, bob: ParticipantJoined) -> None:
    qid = meeting.ask(ANN, "Why?", T0).question_id
    counts = [meeting.upvote(sid, qid).changes["upvoteCount"] for sid in (ANN, BOB, ANN, ANN)]
    assert counts == [1, 2, 1, 2]
    refuses(lambda: meeting.upvote(ANN, "missing"), QuestionNotFound, "Question not found")


@pytest.mark.parametrize(("answer", "stored"), [("  Yes.  ", "Yes."), (None, ""), ("a" * 1001, "a" * 1000)])
def test_host_answers(meeting: Meeting, ann: ParticipantJoined, answer: object, stored: str) -> None:
    qid = meeting.ask(ANN, "Why?", T0).question_id
    event = meeting.answer(HOST, qid, answer)
    assert event == QuestionUpdated(meeting.id, qid, {"isAnswered": True, "answer": stored, "answeredBy": "Hannah"})


@pytest.mark.parametrize(
    ("sid", "qid", "answer", "error"),
    [
        (ANN, "Q", "yes", NotHost),
        (HOST, "missing", "yes", QuestionNotFound),
        (HOST, None, "yes", QuestionNotFound),
        (HOST, "Q", 42, ValidationError),
        (HOST, "Q", ["yes"], ValidationError),
    ],
)
def test_answer_refused(
    meeting: Meeting, ann: ParticipantJoined, sid: Sid, qid: object, answer: object, error: type[DomainError]
) -> None:
    real = meeting.ask(ANN, "Why?", T0).question_id
    refuses(lambda: meeting.answer(sid, real if qid == "Q" else qid, answer), error)
    assert not meeting.collab.questions.by_id[real].is_answered


def test_dismiss(meeting: Meeting, ann: ParticipantJoined) -> None:
    qid = meeting.ask(ANN, "Why?", T0).question_id
    refuses(lambda: meeting.dismiss(ANN, qid), NotHost)
    refuses(lambda: meeting.dismiss(HOST, "missing"), QuestionNotFound)
    assert meeting.dismiss(HOST, qid) == QuestionUpdated(meeting.id, qid, {"dismissed": True})
    assert meeting.collab.questions.by_id[qid].dismissed


# -- notes -------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "stored"), [("agenda", "agenda"), ("", ""), ("n" * 50_001, "n" * 50_000)])
def test_host_updates_notes(meeting: Meeting, host: ParticipantJoined, content: str, stored: str) -> None:
    assert meeting.update_notes(HOST, content, T0 + 1) == NotesUpdated(meeting.id, HOST, stored, "Hannah")
    notes = meeting.collab.notes
    assert (notes.content, notes.last_updated_by, notes.last_updated_at) == (stored, "Hannah", T0 + 1)


@pytest.mark.parametrize(
    ("sid", "content", "error"),
    [(ANN, "x", NotHost), (Sid("ghost"), "x", NotHost), (HOST, None, ValidationError), (HOST, 5, ValidationError)],
)
def test_notes_refused(meeting: Meeting, ann: ParticipantJoined, sid: Sid, content: object, error: type[DomainError]) -> None:
    refuses(lambda: meeting.update_notes(sid, content, T0), error)
    assert meeting.collab.notes.content == "" and meeting.collab.notes.last_updated_at is None


# -- breakout rooms --------------------------------------------------------------


def rooms(meeting: Meeting, count: int = 2) -> None:
    meeting.open_breakouts(HOST, [f"Room {i + 1}" for i in range(count)])


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["A", "B"], [("br-0", "A"), ("br-1", "B")]),
        (["", None, 5, "  x  ", "n" * 70], [("br-0", "Room 1"), ("br-1", "Room 2"), ("br-2", "Room 3"),
                                          ("br-3", "x"), ("br-4", "n" * 60)]),
        (["solo"], [("br-0", "solo")]),
        ([f"r{i}" for i in range(20)], [(f"br-{i}", f"r{i}") for i in range(20)]),
    ],
)
def test_open_breakouts(meeting: Meeting, host: ParticipantJoined, names: list[object], expected: list[tuple[str, str]]) -> None:
    assert meeting.open_breakouts(HOST, names) == [
        BreakoutsOpened(meeting.id, tuple(BreakoutRoomView(rid, name) for rid, name in expected))
    ]


@pytest.mark.parametrize("names", [[], None, "Room 1", {"a": 1}, ["r"] * 21])
def test_open_breakouts_refused(meeting: Meeting, host: ParticipantJoined, names: object) -> None:
    refuses(lambda: meeting.open_breakouts(HOST, names), ValidationError, "Provide 1-20 breakout rooms")
    assert not meeting.collab.breakouts.is_open


def test_reopening_closes_the_old_rooms(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting, 3)
    meeting.join_breakout(ANN, "br-2")
    events = meeting.open_breakouts(HOST, ["New"])
    assert events[0] == BreakoutsClosed(meeting.id, ("br-0", "br-1", "br-2"), all_closed=False)
    assert events[1] == BreakoutsOpened(meeting.id, (BreakoutRoomView("br-0", "New"),))
    assert meeting.breakout_room_of(ann.participant.id) is None


def test_assign(meeting: Meeting, ann: ParticipantJoined, bob: ParticipantJoined) -> None:
    rooms(meeting)
    a, b = ann.participant, bob.participant
    meeting.join_breakout(BOB, "br-1")
    events = meeting.assign_breakouts(HOST, [
        {"participantId": a.id, "roomId": "br-0"},
        None, 7, "x", [a.id, "br-1"],
        {"participantId": "nobody", "roomId": "br-0"},
        {"participantId": a.id, "roomId": "br-9"},
        {"participantId": a.id, "roomId": None},
        {"participantId": None, "roomId": "br-0"},
        {"participantId": b.id, "roomId": "br-0"},
    ])
    assert events == [
        BreakoutMoved(meeting.id, a.id, ANN, "br-0", "Room 1", None, assigned=True),
        BreakoutMoved(meeting.id, b.id, BOB, "br-0", "Room 1", "br-1", assigned=True),
        BreakoutRoster(meeting.id, (
            BreakoutRoomView("br-0", "Room 1", (BreakoutMember(a.id, "Ann"), BreakoutMember(b.id, "Bob"))),
            BreakoutRoomView("br-1", "Room 2", ()),
        )),
    ]


@pytest.mark.parametrize(
    ("sid", "assignments", "opened", "error", "message"),
    [
        (ANN, [], True, NotHost, None),
        (HOST, [], False, BreakoutNotFound, "No breakout rooms are open"),
        (HOST, None, True, ValidationError, "assignments must be a list"),
        (HOST, {"participantId": "x"}, True, ValidationError, "assignments must be a list"),
        (HOST, [{}] * (ASSIGNMENTS_MAX + 1), True, ValidationError, "Too many assignments (max 500)"),
    ],
)
def test_assign_refused(
    meeting: Meeting, ann: ParticipantJoined, sid: Sid, assignments: object, opened: bool,
    error: type[DomainError], message: str | None,
) -> None:
    if opened:
        rooms(meeting)
    refuses(lambda: meeting.assign_breakouts(sid, assignments), error, message)
    assert not meeting.collab.breakouts.where


def test_join_and_leave(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting)
    pid = ann.participant.id
    assert meeting.join_breakout(ANN, "br-0") == BreakoutMoved(meeting.id, pid, ANN, "br-0", "Room 1", None, assigned=False)
    assert meeting.join_breakout(ANN, "br-1").previous == "br-0"
    assert meeting.leave_breakout(ANN) == BreakoutLeft(meeting.id, pid, ANN, "br-1")
    assert meeting.breakout_room_of(pid) is None
    assert meeting.leave_breakout(ANN) is None


@pytest.mark.parametrize(
    ("opened", "room_id", "message"),
    [(False, "br-0", "No breakout rooms are open"), (True, "br-7", "Breakout room not found"),
     (True, None, "Breakout room not found"), (True, 0, "Breakout room not found")],
)
def test_join_refused(meeting: Meeting, ann: ParticipantJoined, opened: bool, room_id: object, message: str) -> None:
    if opened:
        rooms(meeting)
    refuses(lambda: meeting.join_breakout(ANN, room_id), BreakoutNotFound, message)


def test_leave_without_rooms_is_a_no_op(meeting: Meeting, ann: ParticipantJoined) -> None:
    assert meeting.leave_breakout(ANN) is None
    refuses(lambda: meeting.leave_breakout(Sid("ghost")), ParticipantNotFound)


@pytest.mark.parametrize(
    ("opened", "ann_room", "bob_room", "allowed"),
    [
        (False, None, None, True),
        (True, None, None, True),
        (True, "br-0", "br-0", True),
        (True, "br-0", "br-1", False),
        (True, "br-0", None, False),
        (True, None, "br-1", False),
    ],
)
def test_signalling_isolation(
    meeting: Meeting, ann: ParticipantJoined, bob: ParticipantJoined,
    opened: bool, ann_room: str | None, bob_room: str | None, allowed: bool,
) -> None:
    if opened:
        rooms(meeting)
    for sid, room in ((ANN, ann_room), (BOB, bob_room)):
        if room:
            meeting.join_breakout(sid, room)
    a, b = meeting.by_sid(ANN), meeting.by_sid(BOB)
    assert (meeting.signal_target(a, b.id) is b) is allowed
    assert (meeting.signal_target(b, a.id) is a) is allowed


def test_signal_to_unknown_participant(meeting: Meeting, ann: ParticipantJoined) -> None:
    refuses(lambda: meeting.signal_target(meeting.by_sid(ANN), "nobody"), ParticipantNotFound)


def test_leaving_a_room_restores_signalling_with_the_main_room(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting)
    meeting.join_breakout(ANN, "br-0")
    a, h = meeting.by_sid(ANN), meeting.by_sid(HOST)
    assert meeting.signal_target(h, a.id) is None
    meeting.leave_breakout(ANN)
    assert meeting.signal_target(h, a.id) is a


@pytest.mark.parametrize(
    ("kwargs", "in_room", "expected"),
    [
        ({"is_muted": True}, True, "br-1"),
        ({"is_video_off": True}, True, "br-1"),
        ({"is_screen_sharing": True}, True, "br-1"),
        ({"is_muted": True}, False, None),
    ],
)
def test_media_toggles_stay_in_the_breakout_room(
    meeting: Meeting, ann: ParticipantJoined, kwargs: dict[str, bool], in_room: bool, expected: str | None
) -> None:
    rooms(meeting)
    if in_room:
        meeting.join_breakout(ANN, "br-1")
    assert meeting.set_media(ANN, **kwargs).breakout_room == expected
    assert meeting.raise_hand(ANN, True, T0).breakout_room is None


@pytest.mark.parametrize(("message", "text"), [("  hi all ", "hi all"), ("m" * 600, "m" * 500)])
def test_broadcast(meeting: Meeting, host: ParticipantJoined, message: str, text: str) -> None:
    rooms(meeting, 3)
    assert meeting.broadcast_to_breakouts(HOST, message, T0 + 2) == BreakoutMessage(
        meeting.id, ("br-0", "br-1", "br-2"), text, T0 + 2
    )


@pytest.mark.parametrize(
    ("sid", "message", "opened", "error"),
    [
        (ANN, "hi", True, NotHost),
        (HOST, "hi", False, BreakoutNotFound),
        (HOST, "   ", True, ValidationError),
        (HOST, None, True, ValidationError),
        (HOST, 12, True, ValidationError),
    ],
)
def test_broadcast_refused(
    meeting: Meeting, ann: ParticipantJoined, sid: Sid, message: object, opened: bool, error: type[DomainError]
) -> None:
    if opened:
        rooms(meeting)
    refuses(lambda: meeting.broadcast_to_breakouts(sid, message, T0), error)


def test_close(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting)
    meeting.join_breakout(ANN, "br-1")
    refuses(lambda: meeting.close_breakouts(ANN), NotHost)
    assert meeting.close_breakouts(HOST) == BreakoutsClosed(meeting.id, ("br-0", "br-1"), all_closed=True)
    assert not meeting.collab.breakouts.is_open and meeting.breakout_room_of(ann.participant.id) is None
    refuses(lambda: meeting.close_breakouts(HOST), BreakoutNotFound, "No breakout rooms are open")


@pytest.mark.parametrize("how", ["leave", "kick"])
def test_leaving_the_meeting_leaves_the_breakout_room(meeting: Meeting, ann: ParticipantJoined, how: str) -> None:
    rooms(meeting)
    meeting.join_breakout(ANN, "br-0")
    pid = ann.participant.id
    events = meeting.leave(ANN, T0) if how == "leave" else meeting.kick(pid, None, T0)
    left = [e for e in events if isinstance(e, BreakoutLeft)]
    assert left == [BreakoutLeft(meeting.id, pid, ANN, "br-0")]
    assert events.index(left[0]) < next(i for i, e in enumerate(events) if isinstance(e, ParticipantLeft))
    assert pid not in meeting.collab.breakouts.where


def test_rejoining_keeps_the_breakout_room(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting)
    meeting.join_breakout(ANN, "br-1")
    again = join(meeting, "ann", "Ann")
    assert meeting.breakout_room_of(again.participant.id) == "br-1"
    assert ann.participant.id not in meeting.collab.breakouts.where


def test_meeting_end_forgets_everything(meeting: Meeting, ann: ParticipantJoined) -> None:
    rooms(meeting, 2)
    poll(meeting)
    meeting.update_notes(HOST, "x", T0)
    meeting.start_stream(HOST, "rtmp://live", T0)
    ended = meeting.end("done", T0 + 10)
    assert ended.breakout_rooms == ("br-0", "br-1")
    collab = meeting.collab
    assert not collab.polls.by_id and not collab.breakouts.is_open and collab.notes.content == "" and collab.stream is None


# -- streaming flag ----------------------------------------------------------------


def test_stream(meeting: Meeting, host: ParticipantJoined) -> None:
    assert meeting.start_stream(HOST, "  rtmp://live/" + "k" * 600, T0) == StreamStarted(meeting.id, "Hannah")
    stream = meeting.collab.stream
    assert stream is not None and stream.url == ("rtmp://live/" + "k" * 600)[:500] and meeting.is_streaming
    refuses(lambda: meeting.start_stream(HOST, "rtmp://other", T0), StreamActive, "Stream already active")
    assert meeting.stop_stream(HOST) == StreamStopped(meeting.id)
    assert meeting.stop_stream(HOST) is None and not meeting.is_streaming


@pytest.mark.parametrize("url", [None, "", "   ", 5, ["rtmp://x"]])
def test_stream_needs_a_url(meeting: Meeting, host: ParticipantJoined, url: object) -> None:
    refuses(lambda: meeting.start_stream(HOST, url, T0), ValidationError, "Stream URL required")
    assert not meeting.is_streaming


def test_only_hosts_stream(meeting: Meeting, ann: ParticipantJoined) -> None:
    refuses(lambda: meeting.start_stream(ANN, "rtmp://x", T0), NotHost)
    meeting.start_stream(HOST, "rtmp://x", T0)
    refuses(lambda: meeting.start_stream(ANN, "rtmp://y", T0), NotHost)  # not "already active": hosts only learn that
    refuses(lambda: meeting.stop_stream(ANN), NotHost)
    assert meeting.is_streaming


def test_stream_stops_when_the_streamer_leaves(meeting: Meeting, token: str, host: ParticipantJoined) -> None:
    meeting.join(Sid("cohost"), "Co", now_ms=T0, is_admin=True, admin_token=token)
    meeting.start_stream(HOST, "rtmp://x", T0)
    assert not any(isinstance(e, StreamStopped) for e in meeting.leave(Sid("cohost"), T0))
    again = join(meeting, "host", "Hannah", is_admin=True, admin_token=token)  # re-join: still the streamer
    assert meeting.collab.stream is not None and meeting.collab.stream.participant_id == again.participant.id
    events = meeting.leave(HOST, T0)
    assert [type(e) for e in events] == [StreamStopped, ParticipantLeft] and not meeting.is_streaming


# -- entry points by voter key or admin token (REST, contract §3.7) ----------------------------


def test_rest_voter_is_a_participant_else_the_user_else_api(meeting: Meeting, ann: ParticipantJoined) -> None:
    ann_id = ann.participant.id
    assert meeting.rest_voter(ann_id, 7) == ann_id
    assert meeting.rest_voter("not-here", 7) == "user:7"
    assert meeting.rest_voter(["x"], 7) == "user:7"
    assert meeting.rest_voter(None, None) == "api"


def test_rest_and_socket_votes_share_one_tally(meeting: Meeting, ann: ParticipantJoined, bob: ParticipantJoined) -> None:
    created = meeting.open_poll("Lunch?", ["Pizza", "Sushi"], T0)
    meeting.vote(ANN, created.poll_id, "opt_0")
    # Ann again, by participant id over REST: her vote changes, it is not counted twice.
    assert meeting.cast_vote(meeting.rest_voter(ann.participant.id, 1), created.poll_id, "opt_1").tally.total_votes == 1
    tally = meeting.cast_vote(meeting.rest_voter(None, 1), created.poll_id, "opt_1").tally
    assert [r[2] for r in tally.results] == [0, 2] and tally.total_votes == 2
    meeting.close_poll(created.poll_id)
    refuses(lambda: meeting.cast_vote(ParticipantId("api"), created.poll_id, "opt_0"), PollClosed, "Poll is closed")


def test_open_poll_keeps_the_socket_rules(meeting: Meeting) -> None:
    refuses(lambda: meeting.open_poll("Q", ["a", " "], T0), ValidationError, POLL_SHAPE_MESSAGE)
    for _ in range(POLLS_MAX):
        meeting.open_poll("Q", ["a", "b"], T0)
    refuses(lambda: meeting.open_poll("Q", ["a", "b"], T0), LimitReached)
    refuses(lambda: meeting.close_poll("missing"), PollNotFound)


def test_post_question_has_a_name_but_no_seat(meeting: Meeting) -> None:
    event = meeting.post_question("  Dana  ", "  Why?  ", T0)
    assert qa_new(event)["askedBy"] == {"name": "Dana"} and event.text == "Why?"
    assert meeting.post_question(None, "Q", T0).asked_by_name == "Anonymous"
    assert meeting.post_question("n" * 80, "Q", T0).asked_by_name == "n" * 60
    refuses(lambda: meeting.post_question("Dana", "   ", T0), ValidationError)
    for _ in range(QUESTIONS_MAX - 3):
        meeting.post_question(None, "Q", T0)
    refuses(lambda: meeting.post_question(None, "Q", T0), LimitReached)


def test_upvote_answer_dismiss_by_key(meeting: Meeting, ann: ParticipantJoined) -> None:
    first = meeting.post_question(None, "First", T0)
    second = meeting.post_question(None, "Second", T0)
    meeting.upvote(ANN, second.question_id)
    assert meeting.upvote_as(meeting.rest_voter(ann.participant.id, 1), second.question_id).changes == {
        "upvoteCount": 0}  # the same person: the toggle takes it back
    assert meeting.upvote_as(ParticipantId("user:1"), second.question_id).changes == {"upvoteCount": 1}
    assert [q.id for q in meeting.collab.questions.open_by_votes()] == [second.question_id, first.question_id]
    answered = meeting.answer_question(first.question_id, "Because", None)
    assert answered.changes == {"isAnswered": True, "answer": "Because", "answeredBy": "Host"}
    assert meeting.answer_question(first.question_id, "b", "  Ed ").changes["answeredBy"] == "Ed"
    assert meeting.dismiss_question(second.question_id).changes == {"dismissed": True}
    assert [q.id for q in meeting.collab.questions.open_by_votes()] == [first.question_id]
    refuses(lambda: meeting.upvote_as(ParticipantId("api"), "missing"), QuestionNotFound, "Question not found")
    refuses(lambda: meeting.answer_question("missing", "a", None), QuestionNotFound)
    refuses(lambda: meeting.dismiss_question("missing"), QuestionNotFound)


def test_write_notes_without_a_seat_goes_to_everyone(meeting: Meeting) -> None:
    assert meeting.write_notes("n" * 60_000, "Host", T0 + 5) == NotesUpdated(meeting.id, None, "n" * 50_000, "Host")
    notes = meeting.collab.notes
    assert (notes.last_updated_by, notes.last_updated_at) == ("Host", T0 + 5)
    refuses(lambda: meeting.write_notes(None, "Host", T0), ValidationError)
    assert notes.content == "n" * 50_000


def test_attendance_report_and_csv() -> None:
    records = [
        AttendanceRecord(ParticipantId("p1"), '=HYPERLINK("x")', T0, T0 + 1_500),
        AttendanceRecord(ParticipantId("p2"), 'Bo "B"', T0 + 1_000),
        AttendanceRecord(ParticipantId("p3"), "@a", T0, T0 + 499),
    ]
    lines = attendance_lines(records, now_ms=T0 + 61_000)
    assert [line.duration_seconds for line in lines] == [2, 60, 0]  # Math.round: 1.5 s rounds up
    report = attendance_json("abc-defg-hij", "Standup", lines)
    assert report["attendance"][1] == {"participantId": "p2", "name": 'Bo "B"', "joinedAt": "2026-03-01T12:00:01.000Z",
                                       "leftAt": None, "durationSeconds": 60}
    assert attendance_csv(lines).split("\n") == [
        "Name,Joined,Left,Duration (seconds)",
        '"\'=HYPERLINK(""x"")","2026-03-01T12:00:00.000Z","2026-03-01T12:00:01.500Z",2',
        '"Bo ""B""","2026-03-01T12:00:01.000Z","Still in meeting",60',
        '"\'@a","2026-03-01T12:00:00.000Z","2026-03-01T12:00:00.499Z",0',
    ]
    assert [csv_cell(v) for v in ("+1", "-1", "\tx", "a=b")] == ['"\'+1"', '"\'-1"', '"\'\tx"', '"a=b"']
    assert attendance_filename("abc-defg-hij") == "attendance-abc-defg-hij.csv"
    assert attendance_filename('a"b/../c\r\n') == "attendance-a_b____c__.csv"
