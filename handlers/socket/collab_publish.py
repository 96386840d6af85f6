"""Collaboration events (polls, Q&A, notes, breakout rooms, streaming) → Socket.IO emits.

Called from ``Publisher.one`` for every ``CollabEvent``. The Socket.IO rooms
``breakout:<meetingId>:<roomId>`` mirror the registry's breakout map: a
socket enters one when its participant is assigned to or joins that room,
and leaves it on ``breakout:leave``, on leaving the meeting, and when the
rooms close.
"""
from __future__ import annotations

import socketio

from store.rooms import collab_wire as wire
from store.rooms.collab_events import (
    BreakoutLeft,
    BreakoutMessage,
    BreakoutMoved,
    BreakoutRoster,
    BreakoutsClosed,
    BreakoutsOpened,
    CollabEvent,
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


def breakout_room(meeting_id: str, room_id: str) -> str:
    return f"breakout:{meeting_id}:{room_id}"


async def publish_collab(sio: socketio.AsyncServer, ev: CollabEvent) -> None:  # noqa: C901 - a flat table
    room = ev.meeting_id
    if isinstance(ev, PollCreated):
        await sio.emit("poll:created", wire.poll_created(ev), room=room)
    elif isinstance(ev, PollVoted):
        await sio.emit("poll:updated", wire.poll_tally(ev.tally), room=room)
    elif isinstance(ev, PollEnded):
        await sio.emit("poll:ended", wire.poll_tally(ev.tally), room=room)
    elif isinstance(ev, QuestionAsked):
        await sio.emit("qa:new", wire.qa_new(ev), room=room)
    elif isinstance(ev, QuestionUpdated):
        await sio.emit("qa:updated", wire.qa_updated(ev), room=room)
    elif isinstance(ev, NotesUpdated):
        await sio.emit("notes:updated", wire.notes_updated(ev), room=room, skip_sid=ev.sid)
    elif isinstance(ev, FileShared):
        await sio.emit("chat:file", wire.chat_file(ev), room=room)
    elif isinstance(ev, BreakoutsOpened):
        await sio.emit("breakout:created", wire.breakout_created(ev), room=room)
    elif isinstance(ev, BreakoutRoster):
        await sio.emit("breakout:updated", wire.breakout_updated(ev), room=room)
    elif isinstance(ev, BreakoutMoved):
        await _moved(sio, ev)
    elif isinstance(ev, BreakoutLeft):
        left = breakout_room(room, ev.room_id)
        await sio.leave_room(ev.sid, left)
        await sio.emit("breakout:participant-left", wire.breakout_participant_left(ev), room=left)
    elif isinstance(ev, BreakoutMessage):
        rooms = [breakout_room(room, room_id) for room_id in ev.room_ids]
        await sio.emit("breakout:message", wire.breakout_message(ev), room=rooms)
    elif isinstance(ev, BreakoutsClosed):
        for room_id in ev.room_ids:
            await sio.emit("breakout:closed", room=breakout_room(room, room_id))
            await sio.close_room(breakout_room(room, room_id))
        if ev.all_closed:
            await sio.emit("breakout:all-closed", room=room)
    elif isinstance(ev, StreamStarted):
        await sio.emit("stream:started", wire.stream_started(ev), room=room)
    elif isinstance(ev, StreamStopped):
        await sio.emit("stream:stopped", room=room)


async def _moved(sio: socketio.AsyncServer, ev: BreakoutMoved) -> None:
    """Assigned by a host (``breakout:assigned`` to it) or joined itself (``participant-joined`` to the room)."""
    entered = breakout_room(ev.meeting_id, ev.room_id)
    if ev.previous is not None and ev.previous != ev.room_id:
        left = breakout_room(ev.meeting_id, ev.previous)
        await sio.leave_room(ev.sid, left)
        await sio.emit("breakout:participant-left", wire.breakout_participant_left(ev), room=left)
    await sio.enter_room(ev.sid, entered)
    if ev.assigned:
        await sio.emit("breakout:assigned", wire.breakout_assigned(ev), to=ev.sid)
    else:
        await sio.emit("breakout:participant-joined", wire.breakout_participant_joined(ev), room=entered, skip_sid=ev.sid)
