"""Socket.IO event handlers: one module per event family, combined into the default namespace."""
from __future__ import annotations

from handlers.socket.activity import ActivityEvents
from handlers.socket.collaboration import CollaborationEvents
from handlers.socket.idle import IdleSockets
from handlers.socket.meeting import JoinEvents
from handlers.socket.recording import RecordingEvents
from handlers.socket.sfu import SfuEvents
from handlers.socket.signaling import SignalEvents
from server.media import MediaService
from server.meetings import MeetingService
from server.recordings import RecordingService


class MeetingNamespace(JoinEvents, SignalEvents, SfuEvents, RecordingEvents, ActivityEvents, CollaborationEvents):
    def __init__(self, meetings: MeetingService, media: MediaService, recordings: RecordingService,
                 idle_timeout: float) -> None:
        super().__init__("/")
        self.meetings = meetings
        self.media = media
        self.recordings = recordings
        self.idle = IdleSockets(idle_timeout, self.has_place, self.disconnect)


__all__ = ["MeetingNamespace"]
