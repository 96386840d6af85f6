"""One meeting's SFU: who publishes what, and who receives it.

Every participant receives every other participant's live publications. A
publication goes live at its first frame (its codec is known then), which is
when subscribers get ``sfu:track-added`` and a server offer carrying it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from aiortc import MediaStreamTrack

from media import aiortc_hooks
from media.forwarding import Forwarder
from media.peer import Emit, Peer, publishing_mids
from media.publication import Publication, source_of

log = logging.getLogger(__name__)

PublicationListener = Callable[[Publication], None]
MAX_PUBLICATIONS = 4  # microphone, camera, screen and its audio: more m-lines are received but not forwarded


class SfuRoom:
    def __init__(self, meeting_id: str, emit: Emit, ice_servers: list[str] | None = None) -> None:
        self.meeting_id = meeting_id
        self.emit = emit
        self.ice_servers = ice_servers or []
        self.peers: dict[str, Peer] = {}
        self.on_live: list[PublicationListener] = []   # the recorder listens here
        self.on_ended: list[PublicationListener] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # -- participants ----------------------------------------------------------------

    async def offer(self, participant_id: str, sid: str, sdp: str, sources: dict[str, Any]) -> bool:
        peer = self.peers.get(participant_id)
        if peer is not None and (peer.sid != sid or peer.broken or peer.new_connection_in(sdp)):
            # A new socket (a re-join), a dead connection, or a browser that started a new one:
            # its old tracks end for everyone and it starts again.
            await self.leave(participant_id)
            peer = None
        first = peer is None
        if peer is None:
            peer = self._new_peer(participant_id, sid)
        taken = await peer.take_offer(sdp)
        if taken:
            self._sync_publications(peer, sdp, sources)
            if first:
                for other in self.peers.values():
                    if other is not peer:
                        for publication in other.publications.values():
                            if publication.forwarder.live and not publication.closed:
                                peer.subscribe(publication)
        return taken

    async def answer(self, participant_id: str, sdp: str) -> bool:
        peer = self.peers.get(participant_id)
        return peer is not None and await peer.take_answer(sdp)

    async def ice(self, participant_id: str, candidate: dict[str, Any] | None) -> None:
        peer = self.peers.get(participant_id)
        if peer is not None:
            await peer.add_ice(candidate)

    async def leave(self, participant_id: str) -> None:
        peer = self.peers.pop(participant_id, None)
        if peer is None:
            return
        for publication in list(peer.publications.values()):
            self._end(publication)
        await peer.close()

    async def close(self) -> None:
        for participant_id in list(self.peers):
            await self.leave(participant_id)

    @property
    def empty(self) -> bool:
        return not self.peers

    def publications(self) -> Iterator[Publication]:
        for peer in self.peers.values():
            for publication in peer.publications.values():
                if not publication.closed:
                    yield publication

    # -- publications --------------------------------------------------------------------

    def _new_peer(self, participant_id: str, sid: str) -> Peer:
        peer = Peer(participant_id, sid, self.emit, self.ice_servers)
        peer.on_timeout = self._timed_out
        self.peers[participant_id] = peer

        @peer.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            transceiver = next(t for t in peer.pc.getTransceivers() if t.receiver.track is track)
            mid = transceiver.mid or ""
            receiver = transceiver.receiver
            aiortc_hooks.tap_receiver(receiver, lambda codec, frame: self._frame(peer, mid, codec, frame))

        @peer.pc.on("connectionstatechange")
        def on_state() -> None:
            if peer.pc.connectionState in ("failed", "closed") and not peer.closed and self.peers.get(participant_id) is peer:
                self._spawn(self._failed(peer))

        return peer

    def _frame(self, peer: Peer, mid: str, codec: Any, frame: Any) -> None:
        publication = peer.publications.get(mid)
        if publication is not None and not publication.closed:
            publication.forwarder.on_frame(codec, frame)

    def _sync_publications(self, peer: Peer, sdp: str, sources: dict[str, Any]) -> None:
        """Start publications for m-lines the offer sends on; end those it no longer sends on."""
        sending = publishing_mids(sdp)
        for mid, publication in list(peer.publications.items()):
            if mid not in sending:
                self._end(publication)
                del peer.publications[mid]
        receivers = {t.mid: t.receiver for t in peer.pc.getTransceivers() if t.mid is not None}
        for mid, (kind, track_id) in sending.items():
            if mid in peer.publications or mid not in receivers:
                continue
            if len(peer.publications) >= MAX_PUBLICATIONS:
                log.warning("participant offered more tracks than it may publish", extra={"participant": peer.participant_id})
                break
            publication = Publication(peer.participant_id, mid, kind, source_of(kind, sources.get(track_id or "")),
                                      receivers[mid])
            publication.forwarder.on_first_frame = lambda _f, p=publication: self._live(p)  # type: ignore[misc]
            peer.publications[mid] = publication

    def _live(self, publication: Publication) -> None:
        for peer in self.peers.values():
            if peer.participant_id != publication.participant_id:
                peer.subscribe(publication)
        for listener in self.on_live:
            listener(publication)

    def _end(self, publication: Publication) -> None:
        was_live = publication.forwarder.live
        for peer in self.peers.values():
            if peer.participant_id != publication.participant_id and peer.unsubscribe(publication):
                self.emit(peer.sid, "sfu:track-removed", publication.wire())
        publication.close()
        if was_live:
            for listener in self.on_ended:
                listener(publication)

    def _timed_out(self, peer: Peer) -> None:
        self._spawn(self._failed(peer, "The SFU offer was not answered in time"))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _failed(self, peer: Peer, reason: str = "The media connection failed") -> None:
        if self.peers.get(peer.participant_id) is not peer:
            return
        await self.leave(peer.participant_id)
        self.emit(peer.sid, "sfu:closed", {"reason": reason})

    # -- figures -------------------------------------------------------------------------------

    def forwarders(self) -> Iterator[Forwarder]:
        for publication in self.publications():
            yield publication.forwarder
