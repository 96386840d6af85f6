"""One participant's peer connection with the SFU, and its negotiation.

Either side may start a negotiation: the participant offers when it publishes or
stops publishing; the server offers when it adds or retires subscriptions. On a
collision the server is the impolite side (it ignores the participant's offer and
keeps its own; the web client rolls back, answers, then offers again), which is the
"perfect negotiation" pattern of the WebRTC spec. Outgoing transceivers are only
created right before the server's own offer, under the same lock as every other
change to the connection, because aiortc would otherwise hand an un-negotiated one
to the next m-line the participant offers.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.sdp import SessionDescription, candidate_from_sdp

from media import aiortc_hooks
from media.codecs import preferences_for
from media.forwarding import ForwardTrack
from media.publication import Publication

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 15.0  # seconds a participant has to answer the server's offer
MAX_PENDING_ICE = 64

Emit = Callable[[str, str, dict[str, Any]], None]


@dataclass(eq=False)
class Slot:
    """One outgoing transceiver: it carries one publication at a time, or idles."""

    transceiver: RTCRtpTransceiver
    track: ForwardTrack
    kind: str
    mime: str
    publication: Publication | None = None


@dataclass(eq=False)
class Peer:
    participant_id: str
    sid: str
    emit: Emit
    ice_servers: list[str] = field(default_factory=list)
    pc: RTCPeerConnection = field(init=False)
    publications: dict[str, Publication] = field(default_factory=dict)  # by the participant's mid
    slots: list[Slot] = field(default_factory=list)
    wanted: list[Publication] = field(default_factory=list)  # subscriptions waiting for the next server offer
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending_ice: list[Any] = field(default_factory=list)
    numbering: aiortc_hooks.Numbering = field(default_factory=aiortc_hooks.Numbering)
    dirty: bool = False
    closed: bool = False
    on_timeout: Callable[[Peer], None] | None = None
    _negotiation: asyncio.Task[None] | None = None
    _answer_timer: asyncio.TimerHandle | None = None

    def __post_init__(self) -> None:
        # No STUN by default: a server with a public address needs none, and a lookup per connection
        # would cost a DNS round trip (MEDIA_STUN_URLS adds server-reflexive candidates behind NAT).
        servers = [RTCIceServer(urls=url) for url in self.ice_servers]
        # max-bundle: every transceiver on the first one's transport. aiortc's default (balanced) puts the
        # second new transceiver of a kind added in one offer on a transport it then discards: nothing is sent on it.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))

    # -- the participant's side -----------------------------------------------------

    async def take_offer(self, sdp: str) -> bool:
        """Apply the participant's offer and send our answer; False when ignored (a collision)."""
        async with self.lock:
            if self.closed:
                return False
            if self.pc.signalingState != "stable":
                return False  # we have an offer out: the participant rolls back and answers it
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            self.numbering.learn(sdp)
            await self._flush_ice()
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self.emit(self.sid, "sfu:answer", {"type": "answer", "sdp": _without_empty_bundle(self.pc.localDescription.sdp)})
        if self.dirty:
            self.renegotiate()
        return True

    async def take_answer(self, sdp: str) -> bool:
        async with self.lock:
            if self.closed or self.pc.signalingState != "have-local-offer":
                return False  # stale: an answer to an offer we no longer have
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            await self._flush_ice()
            if self._answer_timer is not None:
                self._answer_timer.cancel()
                self._answer_timer = None
        if self.dirty or self.wanted:
            self.renegotiate()
        return True

    async def add_ice(self, candidate: dict[str, Any] | None) -> None:
        if candidate is None or not candidate.get("candidate"):
            return  # end of candidates: aiortc needs no signal for it
        text = str(candidate["candidate"])
        parsed = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
        parsed.sdpMid = candidate.get("sdpMid")
        parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
        if self.pc.remoteDescription is None:
            if len(self.pending_ice) < MAX_PENDING_ICE:
                self.pending_ice.append(parsed)
            return
        await self.pc.addIceCandidate(parsed)

    async def _flush_ice(self) -> None:
        pending, self.pending_ice = self.pending_ice, []
        for candidate in pending:
            await self.pc.addIceCandidate(candidate)

    # -- the server's side -------------------------------------------------------------

    def subscribe(self, publication: Publication) -> None:
        if any(slot.publication is publication for slot in self.slots) or publication in self.wanted:
            return
        self.wanted.append(publication)
        self.renegotiate()

    def unsubscribe(self, publication: Publication) -> bool:
        if publication in self.wanted:
            self.wanted.remove(publication)
            return False
        for slot in self.slots:
            if slot.publication is publication:
                publication.forwarder.detach(slot.track)
                slot.publication = None
                slot.transceiver.direction = "inactive"
                self.renegotiate()
                return True  # it was announced: the subscriber hears it is gone
        return False

    def renegotiate(self) -> None:
        self.dirty = True
        if not self.closed and (self._negotiation is None or self._negotiation.done()):
            self._negotiation = asyncio.get_running_loop().create_task(self._negotiate())

    async def _negotiate(self) -> None:
        async with self.lock:
            if self.closed or not self.dirty or self.pc.signalingState != "stable":
                return  # an answer (or the participant's offer) will call again
            if self.pc.remoteDescription is None:
                return  # the participant has not offered yet: it starts the first negotiation
            self.dirty = False
            added = self._fill_slots()
            if not added and not self._has_changes():
                return
            await self.pc.setLocalDescription(await aiortc_hooks.create_offer(self.pc, self.numbering))
            self.emit(self.sid, "sfu:offer", {"type": "offer", "sdp": self.pc.localDescription.sdp})
            self._answer_timer = asyncio.get_running_loop().call_later(ANSWER_TIMEOUT, self._answer_late)

    def _has_changes(self) -> bool:
        return any(slot.transceiver.direction != (slot.transceiver.currentDirection or slot.transceiver.direction)
                   for slot in self.slots)

    def _fill_slots(self) -> list[Slot]:
        """Give every wanted publication a transceiver: an idle one of its codec, or a new one."""
        added: list[Slot] = []
        wanted, self.wanted = self.wanted, []
        for publication in wanted:
            codec = publication.forwarder.codec
            if codec is None or publication.closed:
                continue
            if not self.numbering.accepts(codec.mimeType):
                log.warning("subscriber does not offer the publisher's codec", extra={"codec": codec.mimeType})
                continue
            slot = next((s for s in self.slots if s.publication is None and s.kind == publication.kind
                         and s.mime == codec.mimeType.lower()), None)
            if slot is None:
                track = ForwardTrack(publication.kind)
                transceiver = self.pc.addTransceiver(track, direction="sendonly")
                transceiver.setCodecPreferences(preferences_for(codec))
                aiortc_hooks.on_keyframe_request(transceiver.sender, track.want_keyframe)
                slot = Slot(transceiver, track, publication.kind, codec.mimeType.lower())
                self.slots.append(slot)
            else:
                slot.transceiver.direction = "sendonly"
            aiortc_hooks.set_stream_id(slot.transceiver.sender, publication.stream_id)
            slot.publication = publication
            publication.forwarder.attach(slot.track)
            self.emit(self.sid, "sfu:track-added", publication.wire())
            added.append(slot)
        return added

    def _answer_late(self) -> None:
        self._answer_timer = None
        if not self.closed and self.pc.signalingState == "have-local-offer" and self.on_timeout is not None:
            log.warning("participant did not answer the SFU's offer", extra={"participant": self.participant_id})
            self.on_timeout(self)

    # -- ending ----------------------------------------------------------------------------

    @property
    def broken(self) -> bool:
        """The connection is gone (failed, or closed by the participant's side)."""
        return self.pc.connectionState in ("failed", "closed") or self.pc.signalingState == "closed"

    def new_connection_in(self, sdp: str) -> bool:
        """An offer from a new browser connection (new ICE credentials): aiortc cannot restart ICE."""
        remote = self.pc.remoteDescription
        if remote is None:
            return False
        offered, current = ice_ufrag(sdp), ice_ufrag(remote.sdp)
        return offered is not None and current is not None and offered != current

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._answer_timer is not None:
            self._answer_timer.cancel()
        if self._negotiation is not None and not self._negotiation.done():
            self._negotiation.cancel()
        for slot in self.slots:
            if slot.publication is not None:
                slot.publication.forwarder.detach(slot.track)
        for publication in self.publications.values():
            publication.close()
        await self.pc.close()


def _without_empty_bundle(sdp: str) -> str:
    """aiortc writes ``a=group:BUNDLE`` with no mids when a description has no m-lines (a participant
    that only receives offers none at first); browsers refuse that line."""
    return "".join(line for line in sdp.splitlines(keepends=True) if line.strip() != "a=group:BUNDLE")


def ice_ufrag(sdp: str) -> str | None:
    """The ICE username fragment of a description: a new one means a new connection."""
    for media in SessionDescription.parse(sdp).media:
        if media.ice is not None and media.ice.usernameFragment:
            return str(media.ice.usernameFragment)
    return None


def publishing_mids(sdp: str) -> dict[str, tuple[str, str | None]]:
    """The m-lines a participant's offer sends on: mid -> (kind, msid track id)."""
    described = SessionDescription.parse(sdp)
    sending: dict[str, tuple[str, str | None]] = {}
    for media in described.media:
        if media.kind not in ("audio", "video") or media.direction not in ("sendonly", "sendrecv"):
            continue
        if media.rtp.muxId is None:
            continue
        track_id = media.msid.split()[-1] if media.msid else None
        sending[media.rtp.muxId] = (media.kind, track_id)
    return sending
