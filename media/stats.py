"""A meeting's media figures: what the SFU forwards, and what RTP and RTCP say about the links.

Rates (bits and packets per second) are differences of cumulative counters between two readings,
divided by the time between them. ``MediaStats`` keeps each room's last few readings, so a caller
polling every few seconds gets the rate over its own interval; a reading less than ``MIN_WINDOW``
after the previous one (two dashboards polling together) is measured against an older one, and
the first reading of a room is measured from its first frame.

Where the counters come from (all of them cumulative, read on demand, nothing per packet):

- in: each live publication's forwarder (bytes of the encoded frames it received) and its
  receiver's RFC 3550 statistics of the publisher's media stream (packets, loss, jitter; read
  through ``aiortc_hooks``: aiortc's ``inbound-rtp`` report is overwritten by a retransmission
  stream's);
- out: each subscriber track (bytes of the frames its sender took) and its ``RTCRtpSender``'s
  stats: ``outbound-rtp`` packets sent, and ``remote-inbound-rtp``, the subscriber's last receiver
  report (round-trip time, cumulative loss, jitter).

Bitrates are of the media payload (the encoded frames), as WebRTC's own ``bytesReceived`` /
``bytesSent`` are; RTP headers and SRTP add a few percent on the wire.
"""
from __future__ import annotations

import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from media import aiortc_hooks

if TYPE_CHECKING:
    from media.peer import Slot
    from media.room import SfuRoom

MIN_WINDOW = 1.0  # seconds: a rate over a shorter interval is mostly noise
KEEP = 8          # readings kept per room
VIDEO_CLOCK, AUDIO_CLOCK = 90000, 48000

StreamKey = tuple[str, str, str]
"""("in", publisher, its mid) or ("out", subscriber, its slot's index): a stream whose object was
replaced (a publisher that reconnected, a track published again) starts again at zero counters."""


@dataclass(slots=True)
class Counters:
    """One stream's cumulative counters at one reading."""

    bytes: int = 0
    packets: int = 0
    lost: int = 0
    expected: int = 0  # packets the far end should have received (for the loss rate)

    def since(self, earlier: Counters | None) -> Counters:
        """The growth since ``earlier``; a stream that restarted (its counters went down) counts from zero."""
        if earlier is None or self.bytes < earlier.bytes or self.packets < earlier.packets:
            return self
        return Counters(self.bytes - earlier.bytes, self.packets - earlier.packets,
                        max(0, self.lost - earlier.lost), max(0, self.expected - earlier.expected))


@dataclass(slots=True)
class Reading:
    at: float  # time.monotonic()
    streams: dict[StreamKey, Counters] = field(default_factory=dict)


@dataclass(slots=True)
class Links:
    """The link quality figures of one reading: one value per stream that has one."""

    rtts_ms: list[float] = field(default_factory=list)
    jitters_ms: list[float] = field(default_factory=list)


class MediaStats:
    """The figures of every room of one worker, with the readings the rates are measured against."""

    def __init__(self) -> None:
        self._readings: weakref.WeakKeyDictionary[SfuRoom, list[Reading]] = weakref.WeakKeyDictionary()

    async def room(self, room: SfuRoom) -> dict[str, Any]:
        now = time.monotonic()
        reading, links = Reading(now), Links()
        producers = [p for p in room.publications() if p.forwarder.live]
        for publication in producers:
            forwarder = publication.forwarder
            stream = aiortc_hooks.received_stream(publication.receiver)
            counters = Counters(bytes=forwarder.bytes_in)
            if stream is not None:
                counters.packets, counters.lost = stream.packets, stream.lost
                counters.expected = stream.packets + stream.lost
                links.jitters_ms.append(stream.jitter_seconds * 1000)
            reading.streams[("in", publication.participant_id, publication.mid)] = counters
        dropped = 0
        for peer in list(room.peers.values()):
            for index, slot in enumerate(list(peer.slots)):
                dropped += slot.track.drops
                if not peer.closed:
                    reading.streams[("out", peer.participant_id, str(index))] = await _sent(slot, links)

        earlier = self._baseline(room, now, producers)
        rates = _rates(reading, earlier)
        self._remember(room, reading)
        kinds = [p.wire_kind for p in producers]
        return {
            "timestamp": time.time(),
            "windowSeconds": round(rates["window"], 3),
            "participants": len(room.peers),
            "connected": sum(1 for peer in room.peers.values() if peer.pc.connectionState == "connected"),
            "publishers": len({p.participant_id for p in producers}),
            "producers": len(producers),
            "producersByKind": {kind: kinds.count(kind) for kind in ("audio", "video", "screen")},
            "consumers": sum(len(p.forwarder.subscribers) for p in producers),
            "bitrateIn": round(rates["bits_in"]),
            "bitrateOut": round(rates["bits_out"]),
            "packetsInPerSecond": round(rates["packets_in"], 1),
            "packetsOutPerSecond": round(rates["packets_out"], 1),
            "framesIn": sum(p.forwarder.frames_in for p in producers),
            "framesDropped": dropped,
            "averageRttMs": _mean(links.rtts_ms),
            "packetLossRate": round(rates["loss"], 4),
            "jitterMs": _mean(links.jitters_ms),
        }

    def _baseline(self, room: SfuRoom, now: float, producers: Iterable[Any]) -> Reading:
        """The newest reading at least ``MIN_WINDOW`` old; else the oldest kept; else the first frame."""
        kept = self._readings.get(room, [])
        for reading in reversed(kept):
            if now - reading.at >= MIN_WINDOW:
                return reading
        if kept:
            return kept[0]
        starts = [p.forwarder.started_at for p in producers if p.forwarder.started_at is not None]
        return Reading(min(starts) if starts else now)

    def _remember(self, room: SfuRoom, reading: Reading) -> None:
        kept = self._readings.setdefault(room, [])
        kept.append(reading)
        # Keep the newest reading old enough to measure against, and what came after it.
        while len(kept) > KEEP or (len(kept) > 1 and reading.at - kept[1].at >= MIN_WINDOW):
            kept.pop(0)


async def _sent(slot: Slot, links: Links) -> Counters:
    counters = Counters(bytes=slot.track.bytes_out)
    clock = _clock(slot)
    for stat in (await slot.transceiver.sender.getStats()).values():
        kind = getattr(stat, "type", "")
        if kind == "outbound-rtp":
            counters.packets = stat.packetsSent
        elif kind == "remote-inbound-rtp":
            counters.lost = max(stat.packetsLost, 0)
            counters.expected = stat.packetsReceived + counters.lost
            if stat.roundTripTime is not None:
                links.rtts_ms.append(stat.roundTripTime * 1000)
            links.jitters_ms.append(stat.jitter / clock * 1000)
    return counters


def _clock(slot: Slot) -> int:
    codec = slot.publication.forwarder.codec if slot.publication is not None else None
    if codec is not None and codec.clockRate:
        return int(codec.clockRate)
    return VIDEO_CLOCK if slot.kind == "video" else AUDIO_CLOCK


def _rates(reading: Reading, earlier: Reading) -> dict[str, float]:
    window = reading.at - earlier.at
    totals = {"in": Counters(), "out": Counters()}
    for key, counters in reading.streams.items():
        grown = counters.since(earlier.streams.get(key))
        total = totals[key[0]]
        total.bytes += grown.bytes
        total.packets += grown.packets
        total.lost += grown.lost
        total.expected += grown.expected
    expected = totals["in"].expected + totals["out"].expected
    lost = totals["in"].lost + totals["out"].lost
    per_second = 1 / window if window > 0 else 0.0
    return {
        "window": max(window, 0.0),
        "bits_in": totals["in"].bytes * 8 * per_second,
        "bits_out": totals["out"].bytes * 8 * per_second,
        "packets_in": totals["in"].packets * per_second,
        "packets_out": totals["out"].packets * per_second,
        "loss": min(1.0, lost / expected) if expected > 0 else 0.0,
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
