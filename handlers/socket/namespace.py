"""Socket.IO event handlers: one module per event family, combined into the default namespace."""
from __future__ import annotations

from handlers.socket.activity import ActivityEvents
from handlers.socket.collaboration import CollaborationEvents
from handlers.socket.idle import IdleSockets
from handlers.socket.meeting import JoinEvents
from handlers.socket.signaling import SignalEvents
from server.meetings import MeetingService


class MeetingNamespace(JoinEvents, SignalEvents, ActivityEvents, CollaborationEvents):
    def __init__(self, meetings: MeetingService, idle_timeout: float) -> None:
        super().__init__("/")
        self.meetings = meetings
        self.idle = IdleSockets(idle_timeout, self.has_place, self.disconnect)


__all__ = ["MeetingNamespace"]
