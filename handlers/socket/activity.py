"""In-meeting activity: media state, hands, reactions, chat, captions and the recording notice."""
from __future__ import annotations

from typing import Any

from handlers.socket.base import SliceNamespace
from server.meetings import MeetingService, now_ms
from store.rooms.ids import Sid
from store.rooms.text import cut_utf16

CAPTION_MAX = 300
CHAT_REACTION_MAX = 4


class ActivityEvents(SliceNamespace):
    meetings: MeetingService

    async def on_media_toggle_audio(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        event = meeting.set_media(Sid(sid), is_muted=data.get("isMuted"))
        await self.meetings.apply(meeting, [event], skip_sid=sid)

    async def on_media_toggle_video(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        event = meeting.set_media(Sid(sid), is_video_off=data.get("isVideoOff"))
        await self.meetings.apply(meeting, [event], skip_sid=sid)

    async def on_media_screen_share(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        event = meeting.set_media(Sid(sid), is_screen_sharing=data.get("isScreenSharing"))
        await self.meetings.apply(meeting, [event], skip_sid=sid)

    async def on_media_mute(self, sid: str, data: dict[str, Any]) -> None:
        """Push-to-talk in the original page; the original server ignores it too."""

    async def on_raise_hand(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        await self.meetings.apply(meeting, [meeting.raise_hand(Sid(sid), data.get("isHandRaised"), now_ms())])

    async def on_react(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        await self.meetings.apply(meeting, [meeting.react(Sid(sid), data.get("emoji"))])

    async def on_chat_message(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        event = meeting.chat(Sid(sid), data.get("text"), data.get("replyTo"), now_ms())
        await self.meetings.apply(meeting, [event])

    async def on_chat_react(self, sid: str, data: dict[str, Any]) -> None:
        """The original page's reactions on chat messages: relayed to the others, not stored."""
        meeting, me = self.meetings.registry.by_sid(Sid(sid))
        msg_id, emoji = data.get("msgId"), data.get("emoji")
        if not isinstance(msg_id, str) or not msg_id or len(msg_id) > 64 or not isinstance(emoji, str):
            return
        emoji = cut_utf16(emoji.strip(), CHAT_REACTION_MAX)
        if emoji:
            await self.emit("chat:react", {"pid": me.id, "msgId": msg_id, "emoji": emoji}, room=meeting.id, skip_sid=sid)

    async def on_captions_update(self, sid: str, data: dict[str, Any]) -> None:
        meeting, me = self.meetings.registry.by_sid(Sid(sid))
        text = data.get("text")
        if isinstance(text, str):
            payload = {"pid": me.id, "text": cut_utf16(text, CAPTION_MAX), "final": bool(data.get("final"))}
            await self.emit("captions:update", payload, room=meeting.id, skip_sid=sid)

    async def on_recording_broadcast_started(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        await self.meetings.apply(meeting, [meeting.start_recording(Sid(sid), data.get("hostName"), now_ms())])

    async def on_recording_broadcast_stopped(self, sid: str, data: dict[str, Any]) -> None:
        meeting, _ = self.meetings.registry.by_sid(Sid(sid))
        event = meeting.stop_recording(Sid(sid))
        if event is not None:
            await self.meetings.apply(meeting, [event])
