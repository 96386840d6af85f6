"""Typed domain errors, each carrying its HTTP status and a stable code.

Transports map them once: the REST middleware answers
``{"error": message, "code": code}`` with ``status``; the socket wrapper emits
``error {message, code}``. Messages are the exact onepizza texts where the
original has one, because clients display them and tests compare them.
"""

from __future__ import annotations

from typing import ClassVar

from .timefmt import js_locale_utc


class DomainError(Exception):
    """A rule of the meeting said no. Never a bug; never a 500."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "domain_error"
    default_message: ClassVar[str] = "Request not allowed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)


class ValidationError(DomainError):
    """A payload field has the wrong type or an out-of-range value."""

    code = "validation_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class MeetingNotFound(DomainError):
    """Unknown, cancelled or ended meeting (ended ones look unknown, as in the original)."""

    status = 404
    code = "meeting_not_found"
    default_message = "Meeting not found"


class MeetingScheduled(DomainError):
    """The meeting exists but has not started.

    409 rather than 403: nothing is wrong with the caller's credentials; the
    meeting's state conflicts with the request and retrying later succeeds.
    """

    status = 409
    code = "meeting_scheduled"

    def __init__(self, scheduled_at_ms: int) -> None:
        self.scheduled_at_ms = scheduled_at_ms
        super().__init__(
            f"This meeting is scheduled for {js_locale_utc(scheduled_at_ms)}. Please wait until it starts."
        )


class MeetingLocked(DomainError):
    status = 403
    code = "meeting_locked"
    default_message = "Meeting is locked"


class MeetingFull(DomainError):
    status = 403
    code = "meeting_full"
    default_message = "Meeting is full"


class WaitingRoomRequired(DomainError):
    """Our server enforces the waiting room (onepizza only advertised it).

    A socket handler answers this by queueing the caller with
    ``Meeting.waiting_join`` (or telling the client to send
    ``waiting-room:join``).
    """

    status = 403
    code = "waiting_room_required"
    default_message = "Waiting for the host to admit you"


class AdminTokenInvalid(DomainError):
    status = 403
    code = "admin_token_invalid"
    default_message = "Admin token required"


class NotHost(DomainError):
    """A host-only action from a participant who did not join as admin."""

    status = 403
    code = "not_host"
    default_message = "Only the host can do that"


class InviteInvalid(DomainError):
    """An invite token was needed and the one given is unknown, used or expired."""

    status = 403
    code = "invite_invalid"
    default_message = "Invite link is invalid or has expired"


class ParticipantNotFound(DomainError):
    status = 404
    code = "participant_not_found"
    default_message = "Participant not found"


class WaitingNotFound(DomainError):
    """Admit or deny aimed at a socket that is not (or no longer) waiting."""

    status = 404
    code = "waiting_not_found"
    default_message = "Waiting participant not found"


class AlreadyInAnotherMeeting(DomainError):
    """One socket is one seat: it must leave its meeting before entering another.

    Refusing is what keeps the sid index a plain mapping and prevents the
    ghosts the original left behind.
    """

    status = 409
    code = "already_in_meeting"
    default_message = "Already in another meeting"


class PollNotFound(DomainError):
    status = 404
    code = "poll_not_found"
    default_message = "Poll not found"


class PollClosed(DomainError):
    status = 400  # the original's REST answer (contract §3.7)
    code = "poll_closed"
    default_message = "Poll is closed"


class QuestionNotFound(DomainError):
    status = 404
    code = "question_not_found"
    default_message = "Question not found"


class BreakoutNotFound(DomainError):
    """No breakout rooms are open, or the room named is not one of them."""

    status = 404
    code = "breakout_not_found"
    default_message = "No breakout rooms are open"


class StreamActive(DomainError):
    status = 409
    code = "stream_active"
    default_message = "Stream already active"


class LimitReached(DomainError):
    """A per-meeting cap (polls, questions) is full; the original had none."""

    status = 409
    code = "limit_reached"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotSfuMeeting(DomainError):
    """An ``sfu:*`` event or a recording in a meeting whose media goes peer to peer."""

    status = 409
    code = "not_sfu"
    default_message = "This meeting uses mesh mode; set mediaMode to 'sfu' first"


class RecordingRunning(DomainError):
    """The server is already recording this meeting (one recording at a time)."""

    status = 409
    code = "recording_running"
    default_message = "A recording is already running"


class NotRecording(DomainError):
    """A stop with no server recording running."""

    status = 409
    code = "not_recording"
    default_message = "No recording is running"


class GuestRecording(DomainError):
    """Guest meetings have no owner, so nobody could ever download their recordings."""

    status = 403
    code = "guest_meeting"
    default_message = "Guest meetings cannot be recorded"
