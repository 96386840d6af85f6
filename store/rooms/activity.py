"""What participants and hosts do inside a running meeting.

Split from ``meeting.py`` to keep each module about one thing: that one
governs who is in the meeting, this one what they do while there. Every
value from the wire is checked here; the original stored raw values (a
string ``isMuted`` went to every client as is).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .errors import GuestRecording, NotHost, NotRecording, NotSfuMeeting, RecordingRunning, ValidationError
from .events import (
    Admitted,
    AllMuted,
    ChatMessage,
    ParticipantUpdated,
    Reaction,
    RecordingStarted,
    RecordingStopped,
    SettingsUpdated,
)
from .ids import new_message_id
from .model import Recording
from .settings import MediaMode, validate_patch
from .text import clean_text, utf16_len

if TYPE_CHECKING:
    from .ids import MeetingId, ParticipantId, Sid
    from .model import Participant
    from .settings import Settings
    from .waiting import WaitingRoom

REACTIONS = frozenset({"\U0001f44d", "\u2764\ufe0f", "\U0001f602", "\U0001f389", "\U0001f44f"})
"""👍 ❤️ 😂 🎉 👏 — exactly the five the contract lists."""
CHAT_MAX = 2000
REPLY_TO_MAX = 64
HOST_NAME_MAX = 60
REST_HOST_NAME = "Host"
"""Who started a recording over REST, where there is no participant (as REST notes say ``Host``)."""


class MeetingActivity:
    """Mixin for ``Meeting``: media state, hands, reactions, chat, recording, host controls.

    Socket actions take the caller's ``sid``; host controls take a
    participant id and leave authorisation to the caller (admin token on
    REST, ``require_host`` on sockets), because REST has no participant.
    """

    if TYPE_CHECKING:
        id: MeetingId
        title: str
        is_guest: bool
        settings: Settings
        participants: dict[Any, Participant]
        recording: Recording | None
        waiting: WaitingRoom

        def by_sid(self, sid: Sid) -> Participant: ...
        def participant(self, participant_id: object) -> Participant: ...
        def require_host(self, sid: Sid) -> Participant: ...
        def breakout_room_of(self, participant_id: ParticipantId) -> str | None: ...

    def set_media(
        self,
        sid: Sid,
        *,
        is_muted: object = None,
        is_video_off: object = None,
        is_screen_sharing: object = None,
    ) -> ParticipantUpdated:
        """Record the caller's own media toggles; ``None`` means "not sent".

        From a breakout room they are announced to that room only.
        """
        me = self.by_sid(sid)
        given = {"isMuted": is_muted, "isVideoOff": is_video_off, "isScreenSharing": is_screen_sharing}
        changes = {key: value for key, value in given.items() if value is not None}
        if not changes:
            raise ValidationError("No media state given")
        for key, value in changes.items():
            if not isinstance(value, bool):
                raise ValidationError(f"{key} must be a boolean")
        me.is_muted = bool(changes.get("isMuted", me.is_muted))
        me.is_video_off = bool(changes.get("isVideoOff", me.is_video_off))
        me.is_screen_sharing = bool(changes.get("isScreenSharing", me.is_screen_sharing))
        return ParticipantUpdated(self.id, me.id, me.sid, changes, self.breakout_room_of(me.id))

    def raise_hand(self, sid: Sid, raised: object, now_ms: int) -> ParticipantUpdated:
        """Hands carry a time so hosts can answer them in order."""
        if not isinstance(raised, bool):
            raise ValidationError("isHandRaised must be a boolean")
        me = self.by_sid(sid)
        me.is_hand_raised = raised
        me.hand_raised_at = now_ms if raised else None
        changes = {"isHandRaised": raised, "handRaisedAt": me.hand_raised_at}
        return ParticipantUpdated(self.id, me.id, me.sid, changes)

    def react(self, sid: Sid, emoji: object) -> Reaction:
        me = self.by_sid(sid)
        if not isinstance(emoji, str) or emoji not in REACTIONS:
            raise ValidationError("Unsupported reaction")
        return Reaction(self.id, me.id, emoji)

    def chat(self, sid: Sid, text: object, reply_to: object, now_ms: int) -> ChatMessage:
        """A chat message from the caller.

        The documented limit (2000) wins over the original's 500, and a longer
        message is refused rather than silently cut, so the sender knows what
        the others saw. Length is counted in UTF-16 units like the client's.
        ``replyTo`` is opaque: a string id or nothing.
        """
        me = self.by_sid(sid)
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("Message must be a non-empty string")
        body = text.strip()
        if utf16_len(body) > CHAT_MAX:
            raise ValidationError(f"Message too long (max {CHAT_MAX} characters)")
        reply = clean_text(reply_to, REPLY_TO_MAX, "") or None
        return ChatMessage(self.id, new_message_id(), me.id, me.name, body, now_ms, reply)

    def sfu_member(self, sid: Sid) -> Participant:
        """The caller, if this meeting's media goes through the SFU (``mediaMode: sfu``)."""
        me = self.by_sid(sid)
        if self.settings.media_mode is not MediaMode.SFU:
            raise NotSfuMeeting()
        return me

    def start_recording(self, sid: Sid, host_name: object, now_ms: int) -> RecordingStarted:
        """Host-only in our server (anyone could in the original). A notice cannot replace the
        server's own recording: participants must go on seeing that one."""
        host = self.require_host(sid)
        if self.server_recording_id is not None:
            raise RecordingRunning()
        name = clean_text(host_name, HOST_NAME_MAX, host.name)
        self.recording = Recording(host.id, name, now_ms)
        return RecordingStarted(self.id, host.id, host.sid, name)

    def stop_recording(self, sid: Sid) -> RecordingStopped | None:
        """A host or whoever started it may stop; ``None`` when no notice was up (the server's
        recording is stopped with ``stop_server_recording`` only)."""
        me = self.by_sid(sid)
        if self.recording is None or self.recording.recording_id is not None:
            return None
        if not me.is_admin and self.recording.participant_id != me.id:
            raise NotHost()
        stopped = RecordingStopped(self.id, self.recording.participant_id)
        self.recording = None
        return stopped

    def start_server_recording(self, sid: Sid | None, host_name: object, recording_id: str,
                               now_ms: int) -> RecordingStarted:
        """The SFU records the meeting: a host's socket, or REST (``sid`` None, the admin token
        checked by the caller). Everyone, the host too, is told before anything is written, and
        late joiners see it in ``joined``. A notice that was up is replaced by it."""
        host = self.require_host(sid) if sid is not None else None
        if self.is_guest:
            raise GuestRecording()
        if self.settings.media_mode is not MediaMode.SFU:
            raise NotSfuMeeting()
        if self.server_recording_id is not None:
            raise RecordingRunning()
        name = clean_text(host_name, HOST_NAME_MAX, host.name if host is not None else REST_HOST_NAME)
        participant_id = host.id if host is not None else None
        self.recording = Recording(participant_id, name, now_ms, recording_id)
        return RecordingStarted(self.id, participant_id, None, name, recording_id)

    def stop_server_recording(self, sid: Sid | None) -> RecordingStopped:
        """A host's socket, or REST (``sid`` None), stops the SFU's recording; any host may,
        not only the one who started it (it outlives its starter)."""
        if sid is not None:
            self.require_host(sid)
        recording = self.recording
        if recording is None or recording.recording_id is None:
            raise NotRecording()
        self.recording = None
        return RecordingStopped(self.id, recording.participant_id, recording.recording_id)

    def server_recording_ended(self, recording_id: str) -> RecordingStopped | None:
        """The recorder stopped on its own (the meeting switched to mesh, the media server
        restarted): the meeting stops saying it records. None if that recording is not current."""
        if self.server_recording_id != recording_id:
            return None
        assert self.recording is not None
        stopped = RecordingStopped(self.id, self.recording.participant_id, recording_id)
        self.recording = None
        return stopped

    @property
    def server_recording_id(self) -> str | None:
        return self.recording.recording_id if self.recording is not None else None

    @property
    def is_recording(self) -> bool:
        return self.recording is not None

    @property
    def recording_host_name(self) -> str:
        return self.recording.host_name if self.recording else ""

    @property
    def recording_participant_id(self) -> ParticipantId | None:
        return self.recording.participant_id if self.recording else None

    def mute(self, participant_id: object) -> ParticipantUpdated:
        """Host mute: ``admin:mute`` to the target, ``participant:updated`` to the room."""
        return self._set_muted(participant_id, True)

    def unmute(self, participant_id: object) -> ParticipantUpdated:
        """Host unmute request; the state flips now, as in the original."""
        return self._set_muted(participant_id, False)

    def mute_all(self) -> AllMuted:
        """Everyone, hosts included, as in the original."""
        for participant in self.participants.values():
            participant.is_muted = True
        return AllMuted(self.id, tuple(p.sid for p in self.participants.values()))

    def update_settings(self, patch: object) -> SettingsUpdated:
        """Validate the whole patch, then apply it (see ``validate_patch``).

        Switching the waiting room off admits everyone still queued: leaving
        them stuck behind a door that no longer exists would help nobody.
        """
        title, changes = validate_patch(patch)
        self.settings = dataclasses.replace(self.settings, **changes)
        if title is not None:
            self.title = title
        admitted: list[Admitted] = []
        if not self.settings.waiting_room:
            for entry in list(self.waiting.entries.values()):
                self.waiting.admit(entry.sid)
                admitted.append(Admitted(self.id, entry.sid, entry.name, self.waiting.count))
        return SettingsUpdated(self.id, self.title, self.settings, tuple(admitted))

    def lock(self) -> SettingsUpdated:
        return self.update_settings({"locked": True})

    def unlock(self) -> SettingsUpdated:
        return self.update_settings({"locked": False})

    def _set_muted(self, participant_id: object, muted: bool) -> ParticipantUpdated:
        target = self.participant(participant_id)
        target.is_muted = muted
        return ParticipantUpdated(self.id, target.id, target.sid, {"isMuted": muted})
