"""Domain events → Socket.IO emits. REST and socket handlers both publish through here,
so a REST mute and a socket mute reach clients the same way.

Rooms: ``<meetingId>`` holds every seated socket; ``hosts:<meetingId>`` holds the
hosts, who alone hear about the waiting room.
"""
from __future__ import annotations

from collections.abc import Iterable

import socketio

from handlers.socket.collab_publish import breakout_room, publish_collab
from store.rooms import wire
from store.rooms.collab_events import CollabEvent
from store.rooms.events import (
    Admitted,
    AllMuted,
    ChatMessage,
    Denied,
    Kicked,
    MeetingEnded,
    MeetingEvent,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    Reaction,
    RecordingStarted,
    RecordingStopped,
    SettingsUpdated,
    WaitingAdded,
    WaitingRemoved,
)


def hosts_room(meeting_id: str) -> str:
    return f"hosts:{meeting_id}"


class Publisher:
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def publish(self, events: Iterable[MeetingEvent], *, skip_sid: str | None = None) -> None:
        for event in events:
            await self.one(event, skip_sid=skip_sid)

    async def one(self, ev: MeetingEvent, *, skip_sid: str | None = None) -> None:  # noqa: C901 - a flat table
        sio, room = self.sio, ev.meeting_id
        if isinstance(ev, ParticipantJoined):
            sid = ev.participant.sid
            if ev.replaced is not None:
                await sio.emit("participant:left", wire.participant_left(ev.replaced), room=room, skip_sid=sid)
            await sio.enter_room(sid, room)
            if ev.participant.is_admin:
                await sio.enter_room(sid, hosts_room(room))
            await sio.emit("joined", wire.joined(ev), to=sid)
            for position, entry in enumerate(ev.waiting, start=1):  # a host: the queue so far
                await sio.emit("waiting-room:participant-waiting",
                               wire.participant_queued(entry.sid, entry.name, position), to=sid)
            await sio.emit("participant:joined", wire.participant_joined(ev), room=room, skip_sid=sid)
        elif isinstance(ev, ParticipantLeft):
            sid = ev.participant.sid
            await sio.leave_room(sid, room)
            await sio.leave_room(sid, hosts_room(room))
            await sio.emit("participant:left", wire.participant_left(ev), room=room)
        elif isinstance(ev, Kicked):
            await sio.emit("admin:kick", wire.admin_kick(ev), to=ev.participant.sid)
        elif isinstance(ev, ParticipantUpdated):
            to = breakout_room(room, ev.breakout_room) if ev.breakout_room else room
            await sio.emit("participant:updated", wire.participant_updated(ev), room=to, skip_sid=skip_sid)
        elif isinstance(ev, AllMuted):
            for sid in ev.sids:
                await sio.emit("admin:mute", to=sid)
            await sio.emit("meeting:all-muted", room=room)
        elif isinstance(ev, SettingsUpdated):
            await sio.emit("meeting:settings-updated", wire.settings_updated(ev), room=room)
            for admitted in ev.admitted:
                await sio.emit("waiting-room:admitted", to=admitted.sid)
        elif isinstance(ev, WaitingAdded):
            await sio.emit("waiting-room:waiting", wire.waiting(ev), to=ev.sid)
            await sio.emit("waiting-room:participant-waiting", wire.participant_waiting(ev), room=hosts_room(room))
        elif isinstance(ev, WaitingRemoved):
            await sio.emit("waiting-room:participant-waiting", wire.participant_waiting(ev), room=hosts_room(room))
        elif isinstance(ev, Admitted):
            await sio.emit("waiting-room:admitted", to=ev.sid)
            if not ev.bypassed:
                await sio.emit("waiting-room:participant-waiting", wire.participant_waiting(ev), room=hosts_room(room))
        elif isinstance(ev, Denied):
            await sio.emit("waiting-room:denied", wire.denied(ev), to=ev.sid)
            await sio.emit("waiting-room:participant-waiting", wire.participant_waiting(ev), room=hosts_room(room))
        elif isinstance(ev, ChatMessage):
            await sio.emit("chat:message", wire.chat_message(ev), room=room)
        elif isinstance(ev, Reaction):
            await sio.emit("react", wire.react(ev), room=room)
        elif isinstance(ev, RecordingStarted):
            await sio.emit("recording:started", wire.recording_started(ev), room=room, skip_sid=ev.sid)
        elif isinstance(ev, RecordingStopped):
            stopped = wire.recording_stopped(ev)
            if stopped is None:
                await sio.emit("recording:stopped", room=room)
            else:
                await sio.emit("recording:stopped", stopped, room=room)
        elif isinstance(ev, MeetingEnded):
            await sio.emit("meeting:ended", wire.meeting_ended(ev), room=room)
            for sid in ev.waiting_sids:
                await sio.emit("meeting:ended", wire.meeting_ended(ev), to=sid)
            await sio.close_room(room)
            await sio.close_room(hosts_room(room))
            for room_id in ev.breakout_rooms:
                await sio.close_room(breakout_room(room, room_id))
        elif isinstance(ev, CollabEvent):
            await publish_collab(sio, ev)
