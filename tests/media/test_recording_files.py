"""The recorder on its own: encoded frames in, playable files out, not one of them re-encoded.

Frames are encoded here with PyAV (VP8, H.264, Opus, as a browser or aiortc sends them) and handed
to a real ``SfuRoom``'s publications through their forwarders, the way the receive tap does.
"""
from __future__ import annotations

import fractions
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCRtpCodecParameters
from aiortc.jitterbuffer import JitterFrame

from media.h264_sps import h264_size
from media.keyframes import KeyframeRequester
from media.peer import Peer
from media.publication import Publication
from media.recording import RoomRecording
from media.room import SfuRoom
from tests.conftest import eventually

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
H264 = RTCRtpCodecParameters(mimeType="video/H264", clockRate=90000, payloadType=102,
                             parameters={"packetization-mode": "1"})
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)
FPS = 30


def video_packets(codec: str, width: int, height: int, seconds: float) -> list[tuple[bytes, int, bool]]:
    """(data, pts at 90 kHz, keyframe) as a WebRTC encoder would send them: a keyframe every second."""
    encoder = av.CodecContext.create(codec, "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 90000)
    encoder.framerate = FPS
    encoder.gop_size = FPS
    encoder.options = {"deadline": "realtime", "cpu-used": "8"} if codec == "libvpx" else {
        "profile": "baseline", "tune": "zerolatency"}
    packets = []
    for index in range(int(seconds * FPS)):
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane_index, plane in enumerate(frame.planes):
            row = bytes((x + index * 5 + plane_index * 40) % 256 for x in range(plane.line_size))
            plane.update(row * plane.height)
        frame.pts = index * 90000 // FPS
        frame.time_base = encoder.time_base
        packets += [(bytes(p), int(p.pts), bool(p.is_keyframe)) for p in encoder.encode(frame)]
    packets += [(bytes(p), int(p.pts), bool(p.is_keyframe)) for p in encoder.encode(None)]
    return packets


def opus_packets(seconds: float) -> list[tuple[bytes, int]]:
    """20 ms Opus packets of a tone, stereo at 48 kHz (aiortc's and browsers' settings)."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    packets = []
    for index in range(int(seconds * 50)):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        frame.planes[0].update(b"".join((((i // 24) % 2) * 2000 - 1000).to_bytes(2, "little", signed=True) * 2
                                        for i in range(960)))
        frame.sample_rate, frame.pts, frame.time_base = 48000, index * 960, encoder.time_base
        packets += [(bytes(p), index * 960) for p in encoder.encode(frame)]
    return packets


class Publisher:
    """One participant of a real ``SfuRoom`` (its connection never negotiates) and its publications."""

    def __init__(self, room: SfuRoom, participant_id: str) -> None:
        self.room = room
        self.peer = Peer(participant_id, f"sid-{participant_id}", room.emit)
        room.peers[participant_id] = self.peer
        self.keyframe_requests = 0

    def publication(self, mid: str, kind: str, source: str) -> Publication:
        publication = Publication(self.peer.participant_id, mid, kind, source, receiver=None)  # type: ignore[arg-type]
        publication.keyframes.close()
        publication.keyframes = KeyframeRequester(self._pli, interval=0)
        publication.forwarder.request_keyframe = publication.keyframes.request
        publication.forwarder.on_first_frame = lambda _f: self.room._live(publication)  # as the room wires it
        self.peer.publications[mid] = publication
        return publication

    async def _pli(self) -> bool:
        self.keyframe_requests += 1
        return True


def send(publication: Publication, codec: RTCRtpCodecParameters, data: bytes, pts: int) -> None:
    """What the receive tap does with each re-assembled frame."""
    publication.forwarder.on_frame(codec, JitterFrame(data, pts))


@pytest.fixture
async def room() -> Any:
    room = SfuRoom("rec-meeting", lambda *_: None)
    yield room
    await room.close()


async def test_vp8_and_opus_tracks_become_webm_files_with_the_codec_parameters_sent(room: SfuRoom,
                                                                                   tmp_path: Path) -> None:
    ann = Publisher(room, "ann")
    mic, cam = ann.publication("0", "audio", "microphone"), ann.publication("1", "video", "camera")
    vp8 = video_packets("libvpx", 320, 240, 3.0)
    opus = opus_packets(3.0)
    send(mic, OPUS, *opus[0])  # live before the recording starts: picked up by start()
    recording = RoomRecording(room, str(tmp_path / "rec1"), "rec1")
    recording.start()
    # The camera's frames arrive mid-stream (after its first keyframe): deltas are skipped until the next one.
    offset = 123456  # a track's clock need not start at zero
    for data, pts, _ in vp8[5:]:
        send(cam, VP8, data, pts + offset)
    for data, pts in opus[1:]:
        send(mic, OPUS, data, pts)
    await eventually(lambda: ann.keyframe_requests >= 1)  # the recorder asked for a keyframe instead of waiting for one
    files = recording.stop()

    assert {(f["kind"], f["source"], f["format"], f["codec"]) for f in files} == {
        ("audio", "microphone", "webm", "opus"), ("video", "camera", "webm", "VP8")}
    video = next(f for f in files if f["kind"] == "video")
    audio = next(f for f in files if f["kind"] == "audio")
    first_key = next(i for i, (_, _, key) in enumerate(vp8) if i >= 5 and key)
    assert video["frames"] == len(vp8) - first_key and (video["width"], video["height"]) == (320, 240)
    assert audio["frames"] == len(opus) - 1  # the first packet went out before the recording began
    assert video["participantId"] == "ann" and video["complete"] is True
    for described in files:
        path = tmp_path / "rec1" / described["file"]
        assert path.stat().st_size == described["sizeBytes"] > 0

    with av.open(str(tmp_path / "rec1" / video["file"])) as container:
        assert container.format.name.split(",")[0] in ("matroska", "webm")
        [stream] = container.streams
        assert (stream.type, stream.codec_context.name, stream.width, stream.height) == ("video", "vp8", 320, 240)
        packets = [p for p in container.demux(stream) if p.size]
        assert [bytes(p) for p in packets] == [data for data, _, _ in vp8[first_key:]]  # byte for byte: no re-encoding
        assert packets[0].pts == 0 and packets[0].is_keyframe
        assert container.duration is not None
        assert abs(container.duration / 1e6 - video["durationSeconds"]) < 0.05
    with av.open(str(tmp_path / "rec1" / video["file"])) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(packets)  # and it plays
    with av.open(str(tmp_path / "rec1" / audio["file"])) as container:
        [stream] = container.streams
        assert (stream.type, stream.codec_context.name, stream.sample_rate, stream.channels) == ("audio", "opus",
                                                                                                48000, 2)
        packets = [p for p in container.demux(stream) if p.size]
        assert [bytes(p) for p in packets] == [data for data, _ in opus[1:]]
        assert container.duration is not None and abs(container.duration / 1e6 - 2.98) < 0.1
    with av.open(str(tmp_path / "rec1" / audio["file"])) as container:
        assert sum(f.samples for f in container.decode(audio=0)) > 2.8 * 48000


async def test_h264_goes_to_matroska_with_its_size_read_from_the_sps(room: SfuRoom, tmp_path: Path) -> None:
    bob = Publisher(room, "bob")
    recording = RoomRecording(room, str(tmp_path / "rec2"), "rec2")
    recording.start()
    screen = bob.publication("2", "video", "screen")  # goes live after the recording started
    h264 = video_packets("libx264", 642, 362, 2.0)
    assert h264_size(h264[0][0]) == (642, 362)
    for data, pts, _ in h264:
        send(screen, H264, data, pts)
    [described] = recording.stop()
    assert (described["format"], described["codec"], described["source"]) == ("mkv", "H264", "screen")
    with av.open(str(tmp_path / "rec2" / described["file"])) as container:
        [stream] = container.streams
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 642, 362)
        assert sum(1 for _ in container.decode(video=0)) == described["frames"]
    # Every frame: the recorder starts listening to a track that goes live during the recording
    # before that track's first frame is handed out (Forwarder.on_frame), and that frame is a keyframe.
    assert h264[0][2]
    assert described["frames"] == len(h264)


async def test_a_track_that_ends_is_closed_then_and_one_per_publication(room: SfuRoom, tmp_path: Path) -> None:
    ann, bob = Publisher(room, "ann"), Publisher(room, "bob")
    recording = RoomRecording(room, str(tmp_path / "rec3"), "rec3")
    recording.start()
    opus = opus_packets(1.0)
    first, second = ann.publication("0", "audio", "microphone"), bob.publication("0", "audio", "microphone")
    for data, pts in opus:
        send(first, OPUS, data, pts)
        send(second, OPUS, data, pts)
    await room.leave("ann")  # her file is finished now, not at stop()
    assert [f["participantId"] for f in recording.finished] == ["ann"]
    assert first.forwarder.listeners == []
    later = bob.publication("1", "video", "camera")  # a publication that never sends a frame: no file
    assert later.forwarder.listeners == []
    files = recording.stop()
    assert sorted(f["participantId"] for f in files) == ["ann", "bob"]
    assert len({f["file"] for f in files}) == 2
    assert second.forwarder.listeners == [] and room.on_live == [] and room.on_ended == []
    assert sorted(p.name for p in (tmp_path / "rec3").iterdir()) == sorted(f["file"] for f in files)


async def test_nothing_published_leaves_no_file_and_no_directory(room: SfuRoom, tmp_path: Path) -> None:
    recording = RoomRecording(room, str(tmp_path / "rec4"), "rec4")
    recording.start()
    cam = Publisher(room, "cy").publication("0", "video", "camera")
    vp8 = video_packets("libvpx", 160, 120, 0.5)
    for data, pts, _ in vp8[1:]:  # no keyframe ever arrives
        send(cam, VP8, data, pts)
    assert cam.forwarder.live and cam.forwarder.listeners  # the recorder listened, and skipped every frame
    assert recording.stop() == []
    assert not (tmp_path / "rec4").exists()
