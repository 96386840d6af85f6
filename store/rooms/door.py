"""The meeting's door: the waiting room and invite links.

onepizza advertised a waiting room but never enforced it. Ours is enforced
by ``Meeting.join``; this mixin holds the queue side (waiting, admit, deny,
invites) and the one rule ``join`` asks it: may this socket pass?
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import MeetingLocked, WaitingNotFound, WaitingRoomRequired
from .events import Admitted, Denied, WaitingAdded, WaitingRemoved
from .ids import Sid
from .model import WaitingEntry
from .text import clean_text

if TYPE_CHECKING:
    from .ids import MeetingId
    from .index import SidIndex
    from .invites import Invites
    from .model import Participant
    from .settings import Settings
    from .waiting import WaitingRoom

NAME_MAX = 60
DEFAULT_NAME = "Anonymous"


class MeetingDoor:
    """Mixin for ``Meeting``; see the module docstring."""

    if TYPE_CHECKING:
        id: MeetingId
        settings: Settings
        waiting: WaitingRoom
        invites: Invites
        index: SidIndex

        def _require_open(self) -> None: ...
        def _own_participant(self, sid: Sid) -> Participant | None: ...
        def require_host(self, sid: Sid) -> Participant: ...

    def waiting_join(self, sid: Sid, name: object, now_ms: int) -> WaitingAdded | Admitted:
        """Queue a socket, or wave it through (``bypassed``) when there is nothing to wait for.

        A locked meeting refuses at once: queueing for a door that cannot
        open would only leave the guest staring at a spinner.
        """
        self._require_open()
        inside = self._own_participant(sid) is not None
        entry_name = clean_text(name, NAME_MAX, DEFAULT_NAME)
        if not self.settings.waiting_room or inside or self.waiting.is_admitted(sid):
            return Admitted(self.id, sid, entry_name, self.waiting.count, bypassed=True)
        if self.settings.locked:
            raise MeetingLocked()
        self.waiting.add(WaitingEntry(sid, entry_name, now_ms))
        self.index.bind_queue(sid, self.id)
        return WaitingAdded(self.id, sid, entry_name, self.waiting.count)

    def admit(self, host_sid: Sid, target_sid: object) -> Admitted:
        """Host lets a waiter in; the waiter then sends ``join-meeting`` itself.

        The socket stays bound to this meeting's queue until it joins or
        disconnects, so an unused admission is cleaned up on disconnect.
        """
        self.require_host(host_sid)
        entry = self.waiting.admit(_as_sid(target_sid))
        return Admitted(self.id, entry.sid, entry.name, self.waiting.count)

    def deny(self, host_sid: Sid, target_sid: object) -> Denied:
        self.require_host(host_sid)
        entry = self.waiting.deny(_as_sid(target_sid))
        self.index.unbind_queue(entry.sid, self.id)
        return Denied(self.id, entry.sid, entry.name, self.waiting.count)

    def remove_waiting(self, sid: Sid) -> WaitingRemoved | None:
        """A waiting (or admitted, not yet joined) socket went away.

        Returns an event only if it was still queued: the hosts' lists need
        updating then, but an unused admission is invisible to them.
        """
        self.index.unbind_queue(sid, self.id)
        entry = self.waiting.forget(sid)
        if entry is None:
            return None
        return WaitingRemoved(self.id, sid, entry.name, self.waiting.count)

    def create_invite(self, now_ms: int, ttl_ms: int) -> str:
        """A one-use token that lets its bearer past the waiting room until it expires."""
        return self.invites.create(now_ms, ttl_ms)

    def _waiting_room_pass(self, sid: Sid, exempt: bool, invite_token: object, now_ms: int) -> str | None:
        """None if the caller may pass; the invite digest to consume if that is what let it.

        An invalid invite is reported as such only when the invite mattered;
        without one, the caller is told to wait.
        """
        if not self.settings.waiting_room or exempt or self.waiting.is_admitted(sid):
            return None
        if invite_token is None or invite_token == "":
            raise WaitingRoomRequired()
        return self.invites.check(invite_token, now_ms)

    def _leave_queue(self, sid: Sid) -> None:
        """The socket is joining: its queue place and admission are used up."""
        self.waiting.forget(sid)
        self.index.unbind_queue(sid, self.id)


def _as_sid(raw: object) -> Sid:
    """Wire values are untrusted: anything but a string names nobody."""
    if not isinstance(raw, str):
        raise WaitingNotFound()
    return Sid(raw)
