"""/api/meetings/:id polls, questions, notes and attendance (contract §3.7).

Host routes (create / end a poll, answer / dismiss a question, write the notes,
attendance) are authorised by the meeting's ``x-admin-token``, like the other host
controls. Reads, votes, questions and upvotes need the meeting's tenant (its
owner's or company's ``x-api-key`` or session) or its ``x-admin-token``. Every
rule is ``Meeting``'s (``store/rooms/collab.py``, shared with the socket events);
the events go out through ``MeetingService.apply``, as the socket's do.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from handlers.http.meetings import hosted_meeting, owns, service
from handlers.http.request import Caller, api_key_caller, json_body, optional_caller
from server.meetings import now_ms
from store.errors import InvalidInput, NotFound
from store.rooms import Meeting, MeetingNotFound, MeetingStatus, ParticipantId, ValidationError
from store.rooms import collab_wire as wire
from store.rooms.attendance import attendance_csv, attendance_filename, attendance_json, attendance_lines
from store.rooms.collab import HOST_NAME
from store.rooms.events import MeetingEvent

routes = web.RouteTableDef()
BASE = "/api/meetings/{meeting_id}"


def _active(request: web.Request) -> Meeting | None:
    try:
        meeting = service(request).registry.get(request.match_info["meeting_id"])
    except MeetingNotFound:
        return None
    return meeting if meeting.status is MeetingStatus.ACTIVE else None


async def member_meeting(request: web.Request) -> tuple[Meeting, Caller | None]:
    """The meeting's tenant (key or session) or its host (x-admin-token); an x-api-key, if sent,
    must be valid. Another tenant's meeting is 404, exactly like a missing one."""
    caller = await optional_caller(request)
    meeting = _active(request)
    if meeting is not None and meeting.admin_token_matches(request.headers.get("x-admin-token")):
        return meeting, caller
    if caller is None:
        caller = await api_key_caller(request)  # no key was sent: the usual 401
    if meeting is None or not owns(caller, meeting):
        raise NotFound("Meeting not found", code="meeting_not_found")
    return meeting, caller


@contextmanager
def reworded(message: str) -> Iterator[None]:
    """The contract's REST text for a refused field, where the socket event's differs."""
    try:
        yield
    except ValidationError:
        raise InvalidInput(message, code="validation_error") from None


async def publish(request: web.Request, meeting: Meeting, event: MeetingEvent) -> None:
    await service(request).apply(meeting, [event])


def voter_of(meeting: Meeting, caller: Caller | None, body: dict[str, object]) -> ParticipantId:
    return meeting.rest_voter(body.get("participantId"), caller.user_id if caller is not None else None)


# -- polls --------------------------------------------------------------------------------------


@routes.post(f"{BASE}/polls")
async def create_poll(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    body = await json_body(request)
    event = meeting.open_poll(body.get("question"), body.get("options"), now_ms())
    await publish(request, meeting, event)
    created = wire.poll_created(event)
    return web.json_response({"pollId": event.poll_id, "question": event.question, "options": created["options"]},
                             status=201)


@routes.get(f"{BASE}/polls")
async def list_polls(request: web.Request) -> web.Response:
    meeting, _ = await member_meeting(request)
    return web.json_response({"polls": [wire.poll_listing(poll) for poll in meeting.collab.polls.by_id.values()]})


@routes.post(f"{BASE}/polls/{{poll_id}}/vote")
async def vote(request: web.Request) -> web.Response:
    meeting, caller = await member_meeting(request)
    body = await json_body(request)
    voter = voter_of(meeting, caller, body)
    await publish(request, meeting, meeting.cast_vote(voter, request.match_info["poll_id"], body.get("optionId")))
    return web.json_response({"voted": True})


@routes.post(f"{BASE}/polls/{{poll_id}}/end")
async def end_poll(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    event = meeting.close_poll(request.match_info["poll_id"])
    await publish(request, meeting, event)
    return web.json_response(wire.poll_tally(event.tally))


# -- questions ----------------------------------------------------------------------------------


@routes.post(f"{BASE}/questions")
async def ask(request: web.Request) -> web.Response:
    meeting, _ = await member_meeting(request)
    body = await json_body(request)
    with reworded("text required"):
        event = meeting.post_question(body.get("participantName"), body.get("text"), now_ms())
    await publish(request, meeting, event)
    return web.json_response({"questionId": event.question_id}, status=201)


@routes.get(f"{BASE}/questions")
async def list_questions(request: web.Request) -> web.Response:
    meeting, _ = await member_meeting(request)
    questions = meeting.collab.questions.open_by_votes()
    return web.json_response({"questions": [wire.question_listing(q) for q in questions]})


@routes.post(f"{BASE}/questions/{{question_id}}/upvote")
async def upvote(request: web.Request) -> web.Response:
    meeting, caller = await member_meeting(request)
    body = await json_body(request)
    voter = voter_of(meeting, caller, body)
    event = meeting.upvote_as(voter, request.match_info["question_id"])
    await publish(request, meeting, event)
    return web.json_response({"upvoteCount": event.changes["upvoteCount"]})


@routes.post(f"{BASE}/questions/{{question_id}}/answer")
async def answer(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    body = await json_body(request)
    event = meeting.answer_question(request.match_info["question_id"], body.get("answer"), body.get("answeredBy"))
    await publish(request, meeting, event)
    return web.json_response({"answered": True})


@routes.post(f"{BASE}/questions/{{question_id}}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    await publish(request, meeting, meeting.dismiss_question(request.match_info["question_id"]))
    return web.json_response({"dismissed": True})


# -- notes --------------------------------------------------------------------------------------


@routes.get(f"{BASE}/notes")
async def read_notes(request: web.Request) -> web.Response:
    meeting, _ = await member_meeting(request)
    return web.json_response(wire.notes_state(meeting.collab.notes))


@routes.put(f"{BASE}/notes")
async def write_notes(request: web.Request) -> web.Response:
    """From REST the whole room is told, as ``Host`` (the original's text)."""
    meeting = await hosted_meeting(request)
    body = await json_body(request)
    with reworded("content required"):
        event = meeting.write_notes(body.get("content"), HOST_NAME, now_ms())
    await publish(request, meeting, event)
    return web.json_response({"updated": True})


# -- attendance ---------------------------------------------------------------------------------


@routes.get(f"{BASE}/attendance")
async def attendance(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    lines = attendance_lines(meeting.attendance, now_ms())
    return web.json_response(attendance_json(meeting.id, meeting.title, lines))


@routes.get(f"{BASE}/attendance/download")
async def attendance_download(request: web.Request) -> web.Response:
    meeting = await hosted_meeting(request)
    lines = attendance_lines(meeting.attendance, now_ms())
    disposition = f'attachment; filename="{attendance_filename(meeting.id)}"'
    return web.Response(text=attendance_csv(lines), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": disposition})
