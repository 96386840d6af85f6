"""Recording end to end: real aiortc participants publish to an ``sfu`` meeting, the host records
it over REST (or its socket), and the files are checked with PyAV.

The issue's test: start, 5 s of media, stop; each file opens, has the expected stream, lasts
5 s ± 1 and was not re-encoded. The participants publish frames encoded here beforehand (aiortc
packetises a track's encoded frames as they are: ``tests/media/encoded.py``), so the check is
exact: every packet in a file is byte for byte one its participant sent, in order, and the stream
has the codec parameters they were made with.
"""
from __future__ import annotations

import asyncio
import fractions
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import av
from aiohttp.test_utils import TestClient
from aiortc import MediaStreamTrack

from server.settings import Settings
from tests.conftest import eventually
from tests.http.openapi_support import Contract, assert_every_success_checked
from tests.media.encoded import LoopedPackets
from tests.media.sfu_client import SfuPeer
from tests.meetings.socket_support import new_meeting
from tests.meetings.support import Bot

HOST_SIZE, GUEST_SIZE = (320, 240), (352, 288)
FPS = 15
VIDEO_STEP = 90000 // FPS  # ticks per frame at 90 kHz
SLACK = 0.5  # seconds; see the first test


@cache
def vp8_frames(width: int, height: int) -> tuple[bytes, ...]:
    """Two seconds of VP8 at 15 fps with a keyframe every second, as a browser would send them."""
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base, encoder.framerate, encoder.gop_size = fractions.Fraction(1, 90000), FPS, FPS
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    frames = []
    for index in range(2 * FPS):
        picture = av.VideoFrame(width, height, "yuv420p")
        for number, plane in enumerate(picture.planes):
            plane.update(bytes((x * 3 + index * 9 + number * 50 + width) % 256 for x in range(plane.line_size))
                         * plane.height)
        picture.pts, picture.time_base = index * VIDEO_STEP, encoder.time_base
        frames += [bytes(packet) for packet in encoder.encode(picture)]
    frames += [bytes(packet) for packet in encoder.encode(None)]
    assert len(frames) == 2 * FPS
    return tuple(frames)


@cache
def opus_frames(seed: int) -> tuple[bytes, ...]:
    """One second of 20 ms stereo Opus packets of quiet noise (each participant its own), all different."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    noise = random.Random(seed)
    frames = []
    for index in range(50):
        pcm = av.AudioFrame(format="s16", layout="stereo", samples=960)
        pcm.planes[0].update(b"".join(noise.randint(-2000, 2000).to_bytes(2, "little", signed=True) * 2
                                      for _ in range(960)))
        pcm.sample_rate, pcm.pts, pcm.time_base = 48000, index * 960, encoder.time_base
        frames += [bytes(packet) for packet in encoder.encode(pcm)]
    assert len(set(frames)) == len(frames) == 50
    return tuple(frames)


def tracks(size: tuple[int, int], seed: int) -> list[MediaStreamTrack]:
    return [LoopedPackets("audio", list(opus_frames(seed)), 50), LoopedPackets("video", list(vp8_frames(*size)), FPS)]


class Watcher(Bot):
    """A participant without media that notes when ``recording:*`` arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, float] = {}
        for event in ("recording:started", "recording:stopped"):
            self.sio.on(event, self._noting(event))

    def _noting(self, event: str) -> Any:
        async def handler(data: Any = None) -> None:
            self.arrivals.setdefault(event, time.time())
            self.events.append((event, data))
        return handler


@asynccontextmanager
async def closing(*clients: Bot) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def five_seconds_of_media(*peers: SfuPeer) -> None:
    """5 s, and then up to one more while any publisher's media of 4.5 of those seconds has not yet
    reached the others: on a loaded machine the publishers fall behind real time, and a file holds the
    media that was sent, not the seconds that passed."""
    def behind() -> bool:
        return any(now - first < want for now, first, want in zip(counts(), start, needed, strict=True))

    def counts() -> list[int]:
        return [peer.frames_from(other.participant_id, kind) for peer in peers for other in peers
                if other is not peer for kind in ("video", "audio")]

    start = counts()
    needed = [int(4.5 * FPS), int(4.5 * 50)] * (len(start) // 2)
    await asyncio.sleep(5)
    for _ in range(10):
        if not behind():
            return
        await asyncio.sleep(0.1)


def stream_of(path: Path) -> tuple[tuple[Any, ...], list[bytes], float]:
    """(stream parameters, packet bytes, duration in seconds) of a file's one stream."""
    with av.open(str(path)) as container:
        [stream] = container.streams
        if stream.type == "video":
            described: tuple[Any, ...] = ("video", stream.codec_context.name, stream.width, stream.height)
        else:
            described = ("audio", stream.codec_context.name, stream.sample_rate, stream.channels)
        packets = [bytes(p) for p in container.demux(stream) if p.size]
        assert container.duration is not None
        return described, packets, container.duration / 1e6


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def test_start_five_seconds_of_media_stop_gives_one_unencoded_file_per_track(
        api: TestClient, settings: Settings, contract: Contract) -> None:
    meeting = await new_meeting(api, title="Recorded", mediaMode="sfu")
    api.session.cookie_jar.clear()  # the key, not the last registration's session, speaks for the owner
    host, guest, watcher = SfuPeer("Hannah"), SfuPeer("Gus"), Watcher()
    sent = {"Hannah": (HOST_SIZE, 1), "Gus": (GUEST_SIZE, 2)}  # picture size, audio noise seed
    base = f"/api/meetings/{meeting['id']}/recordings"
    async with closing(host, guest, watcher):
        await host.join_sfu(api, meeting["id"], isAdmin=True, adminToken=meeting["adminToken"])
        await guest.join_sfu(api, meeting["id"])
        await watcher.connect(api)
        await watcher.join(meeting["id"], "Wes")
        await host.publish(tracks=tracks(*sent["Hannah"]))
        await guest.publish(tracks=tracks(*sent["Gus"]))
        await host.wait_frames(guest.participant_id, "video", 5)
        await guest.wait_frames(host.participant_id, "video", 5)

        before = time.time()
        resp = await api.post(f"{base}/start", json={"hostName": "  Hannah (host)  "}, headers=meeting["admin"])
        started = await contract.check(resp)
        assert resp.status == 201 and started["hostName"] == "Hannah (host)", started
        recording_id = started["recordingId"]
        for client in (host, guest, watcher):  # everyone, the host too
            assert await client.wait_for("recording:started") == {"hostName": "Hannah (host)",
                                                                    "recordingId": recording_id}
        await five_seconds_of_media(host, guest)
        resp = await api.post(f"{base}/stop", headers=meeting["admin"])
        stopped = await contract.check(resp)
        assert resp.status == 200 and stopped["recordingId"] == recording_id
        for client in (host, guest, watcher):
            assert await client.wait_for("recording:stopped") == {"recordingId": recording_id}
        answered = time.time()

    files = stopped["recordings"]
    assert sorted((f["participant_name"], f["recording_type"], f["source"]) for f in files) == [
        ("Gus", "audio", "microphone"), ("Gus", "video", "camera"),
        ("Hannah", "audio", "microphone"), ("Hannah", "video", "camera")]
    # Told before anything was written and after everything was. (The server emits, then asks the worker
    # to write; but this client shares one busy event loop with the server and two aiortc peers, so an
    # event may be handled a little after it arrived: SLACK. The next test checks the order on one socket.)
    assert watcher.arrivals["recording:started"] <= min(epoch(f["started_at"]) for f in files) + SLACK
    assert watcher.arrivals["recording:stopped"] >= max(epoch(f["ended_at"]) for f in files)
    for described in files:
        path = settings.data_dir / "recordings" / recording_id / f"{described['id']}.{described['format']}"
        assert path.stat().st_size == described["file_size_bytes"] > 0
        assert described["format"] == "webm" and described["is_available"] is True
        assert before <= epoch(described["started_at"]) <= answered
        parameters, packets, duration = stream_of(path)
        assert abs(duration - 5) <= 1, (described, duration)
        assert abs(described["duration_seconds"] - duration) < 0.2
        size, seed = sent[described["participant_name"]]
        if described["recording_type"] == "video":
            assert parameters == ("video", "vp8", *size)  # the size it was encoded at
            assert (described["codec"], described["width"], described["height"]) == ("VP8", *size)
            frames = vp8_frames(*size)
        else:
            assert parameters == ("audio", "opus", 48000, 2)  # as encoded: 48 kHz stereo
            assert described["codec"] == "opus"
            frames = opus_frames(seed)
        # Not re-encoded: every packet is one the participant sent, in the order sent.
        positions = [frames.index(packet) for packet in packets]
        assert all((b - a) % len(frames) == 1 for a, b in zip(positions, positions[1:], strict=False)), described
        if described["recording_type"] == "video":
            assert positions[0] % FPS == 0  # it starts at a keyframe

    # The list, a download, a delete.
    listed = await contract.check(await api.get(base, headers=meeting["key"]))
    assert sorted(f["id"] for f in listed["recordings"]) == sorted(f["id"] for f in files)
    assert await contract.check(await api.get(base, headers={"x-admin-token": meeting["adminToken"]})) == listed
    one, other = files[0], files[1]
    download = await api.get(one["download_url"], headers=meeting["key"])
    body = await contract.check(download)
    assert body == (settings.data_dir / "recordings" / recording_id / f"{one['id']}.webm").read_bytes()
    assert download.headers["Content-Disposition"].startswith(
        f'attachment; filename="recording-{meeting["id"]}-{one["recording_type"]}-{one["source"]}-')
    assert download.headers["Content-Type"] == f"{one['recording_type']}/webm"
    assert await contract.check(await api.delete(f"/api/recordings/{other['id']}", headers=meeting["key"])) == {
        "message": "Recording deleted"}
    assert not (settings.data_dir / "recordings" / recording_id / f"{other['id']}.webm").exists()

    async def counted() -> bool:
        rows = (await contract.check(await api.get(base, headers=meeting["key"])))["recordings"]
        return len(rows) == 3 and {r["id"]: r["download_count"] for r in rows}[one["id"]] == 1

    await eventually(counted)
    assert_every_success_checked(contract, "recordings")


async def test_socket_start_late_joiner_sees_it_and_ending_the_meeting_keeps_the_files(
        api: TestClient, settings: Settings) -> None:
    meeting = await new_meeting(api, title="Ends while recording", mediaMode="sfu")
    api.session.cookie_jar.clear()
    host, late = SfuPeer("Hannah"), SfuPeer("Lou")
    async with closing(host, late):
        await host.join_sfu(api, meeting["id"], isAdmin=True, adminToken=meeting["adminToken"])
        await host.publish(tracks=tracks(HOST_SIZE, 1))
        ack = await host.sio.call("recording:start", {}, timeout=20)
        assert ack["ok"] is True, ack
        # The ack leaves once the worker records; the notice went out on the same socket before it.
        assert host.got("recording:started") == [{"hostName": "Hannah", "recordingId": ack["recordingId"]}]
        joined = await late.join_sfu(api, meeting["id"])
        assert (joined["isRecording"], joined["recordingHostName"]) == (True, "Hannah")
        again = await host.sio.call("recording:start", {}, timeout=20)
        assert again == {"error": "A recording is already running", "code": "recording_running"}
        await asyncio.sleep(2)
        resp = await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        assert resp.status == 200

    async def listed() -> list[dict[str, Any]]:
        resp = await api.get(f"/api/meetings/{meeting['id']}/recordings", headers=meeting["key"])
        return list((await resp.json())["recordings"])

    async def both_listed() -> bool:
        return len(await listed()) == 2

    await eventually(both_listed, timeout=15)  # the meeting's end finished and listed them
    for described in await listed():
        assert described["recording_id"] == ack["recordingId"] and described["started_by"] == "Hannah"
        path = settings.data_dir / "recordings" / ack["recordingId"] / f"{described['id']}.webm"
        _, packets, duration = stream_of(path)
        assert packets and 0.5 <= duration <= 3.5
