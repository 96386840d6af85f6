"""The waiting room: sockets queued for a host's decision.

Admission is a one-time pass for one socket: the admitted sid may join once,
then the pass is gone, so a kicked participant must be admitted again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import WaitingNotFound
from .ids import Sid
from .model import WaitingEntry


@dataclass
class WaitingRoom:
    entries: dict[Sid, WaitingEntry] = field(default_factory=dict)
    admitted: set[Sid] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.entries)

    def add(self, entry: WaitingEntry) -> None:
        """Queue (or re-queue with a new name) a socket."""
        self.entries[entry.sid] = entry

    def admit(self, sid: Sid) -> WaitingEntry:
        entry = self._take(sid)
        self.admitted.add(sid)
        return entry

    def deny(self, sid: Sid) -> WaitingEntry:
        return self._take(sid)

    def is_admitted(self, sid: Sid) -> bool:
        return sid in self.admitted

    def forget(self, sid: Sid) -> WaitingEntry | None:
        """Drop every trace of a socket (it joined or disconnected)."""
        self.admitted.discard(sid)
        return self.entries.pop(sid, None)

    def sids(self) -> set[Sid]:
        return set(self.entries) | self.admitted

    def clear(self) -> None:
        self.entries.clear()
        self.admitted.clear()

    def _take(self, sid: Sid) -> WaitingEntry:
        entry = self.entries.pop(sid, None)
        if entry is None:
            raise WaitingNotFound()
        return entry
