"""Every client-facing payload built from registry state, in one place.

Function names follow the wire event (``participant:joined`` →
``participant_joined``). Shapes and texts are onepizza's (contract §3.6,
§4), so existing clients and bots work unchanged; where we add a key
(``mediaMode``, ``code``) it is one old clients ignore.
"""

from __future__ import annotations

from typing import Any

from .errors import DomainError
from .events import (
    Admitted,
    ChatMessage,
    Denied,
    Kicked,
    MeetingEnded,
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
from .meeting import Meeting
from .model import MeetingStatus, Participant
from .timefmt import iso_utc

WAITING_MESSAGE = "Waiting for the host to admit you\u2026"
DENIED_MESSAGE = "The host did not admit you to this meeting."

Payload = dict[str, Any]


def joined(ev: ParticipantJoined) -> Payload:
    """To the caller. ``isAdmin`` is always a bool (the original could omit it)."""
    return {
        "participantId": ev.participant.id,
        "participants": [p.to_wire() for p in ev.others],
        "settings": ev.settings.to_wire(),
        "title": ev.title,
        "isAdmin": ev.participant.is_admin,
        "muteOnJoin": ev.settings.mute_on_join,
        "videoOffOnJoin": ev.settings.video_off_on_join,
        "isRecording": ev.is_recording,
        "recordingHostName": ev.recording_host_name,
    }


def participant_joined(ev: ParticipantJoined) -> Payload:
    """To the others (no ``isScreenSharing``, as in the original)."""
    me = ev.participant
    return {
        "participantId": me.id,
        "name": me.name,
        "isMuted": me.is_muted,
        "isVideoOff": me.is_video_off,
        "isHandRaised": False,
        "isAdmin": me.is_admin,
    }


def participant_left(ev: ParticipantLeft | Participant) -> Payload:
    """To the room; also accepts ``ParticipantJoined.replaced``."""
    who = ev.participant if isinstance(ev, ParticipantLeft) else ev
    return {"participantId": who.id, "name": who.name}


def participant_updated(ev: ParticipantUpdated) -> Payload:
    return {"participantId": ev.participant_id, **ev.changes}


def settings_updated(ev: SettingsUpdated) -> Payload:
    return ev.settings.to_wire()


def admin_kick(ev: Kicked) -> Payload:
    return {"reason": ev.reason}


def meeting_ended(ev: MeetingEnded) -> Payload:
    return {"reason": ev.reason}


def waiting(_: WaitingAdded) -> Payload:
    """``waiting-room:waiting`` to the queued socket."""
    return {"message": WAITING_MESSAGE}


def denied(_: Denied) -> Payload:
    """``waiting-room:denied`` to the refused socket."""
    return {"message": DENIED_MESSAGE}


def participant_queued(sid: str, name: str, count: int) -> Payload:
    """A waiter as hosts see it; ``count``: the queue's length once this one was queued."""
    return {"socketId": sid, "name": name, "count": count}


def participant_waiting(ev: WaitingAdded | WaitingRemoved | Admitted | Denied) -> Payload:
    """``waiting-room:participant-waiting`` to the room (hosts show the queue).

    A waiter who disconnected is announced with an empty name, as onepizza does.
    """
    if isinstance(ev, WaitingAdded):
        return participant_queued(ev.sid, ev.name, ev.count)
    name = "" if isinstance(ev, WaitingRemoved) else ev.name
    return {"socketId": ev.sid, "name": name, "count": ev.count, "removed": True}


def chat_message(ev: ChatMessage) -> Payload:
    return {
        "from": ev.participant_id,
        "name": ev.name,
        "text": ev.text,
        "timestamp": ev.timestamp,
        "msgId": ev.msg_id,
        "replyTo": ev.reply_to,
    }


def react(ev: Reaction) -> Payload:
    return {"participantId": ev.participant_id, "emoji": ev.emoji}


def recording_started(ev: RecordingStarted) -> Payload:
    if ev.recording_id is None:
        return {"hostName": ev.host_name}
    return {"hostName": ev.host_name, "recordingId": ev.recording_id}


def recording_stopped(ev: RecordingStopped) -> Payload | None:
    return None if ev.recording_id is None else {"recordingId": ev.recording_id}


def error(exc: DomainError) -> Payload:
    """Socket ``error`` event; REST uses ``{"error": message, "code": code}``."""
    return {"message": exc.message, "code": exc.code}


def rest_participant(p: Participant) -> Payload:
    """A participant in ``GET /api/meetings/:id``."""
    return {
        "participantId": p.id,
        "name": p.name,
        "isMuted": p.is_muted,
        "isVideoOff": p.is_video_off,
        "isScreenSharing": p.is_screen_sharing,
        "joinedAt": p.joined_at,
    }


def meeting_summary(m: Meeting) -> Payload:
    """An entry of ``GET /api/meetings``."""
    body: Payload = {"meetingId": m.id, "title": m.title, "status": m.status.value}
    body["createdAt"] = m.created_at_ms
    if m.status is MeetingStatus.SCHEDULED and m.scheduled_at_ms is not None:
        body["scheduledAt"] = iso_utc(m.scheduled_at_ms)
    body["participantCount"] = len(m.participants)
    return body


def meeting_detail(m: Meeting) -> Payload:
    """``GET /api/meetings/:id``: active meetings list participants, scheduled ones do not."""
    body: Payload = {"meetingId": m.id, "title": m.title, "createdAt": m.created_at_ms}
    if m.status is MeetingStatus.SCHEDULED and m.scheduled_at_ms is not None:
        body["scheduledAt"] = iso_utc(m.scheduled_at_ms)
        body["status"] = m.status.value
    else:
        body["status"] = m.status.value
        body["participantCount"] = len(m.participants)
        body["participants"] = [rest_participant(p) for p in m.participants.values()]
    body["settings"] = m.settings.to_wire()
    return body
