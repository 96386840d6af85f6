"""SFU forwarding: P publishers send pre-encoded 720p VP8 + Opus, S subscribers receive every track.

One command starts Slice (its media worker starts at the first ``sfu:offer``), creates an ``sfu``
meeting and runs, each in a process of its own:

* the publishers: P aiortc peers, each sending a loop of **pre-encoded** 1280×720 VP8 at 30 fps
  (~2.5 Mbps, a keyframe every 2 s; encoded once with PyAV's libvpx and cached under the temp dir)
  and Opus at 50 packets/s. aiortc's sender only packetises them (no encoder runs). They answer
  the server's offers with those m-lines ``inactive``: a publisher receives nothing;
* the subscribers: S receive-only aiortc peers whose receivers are tapped
  (``media/aiortc_hooks.tap_receiver``): frames and bytes are counted, never decoded;
* a Socket.IO bot, seated in the meeting, that emits ``sfu:ice-candidate {candidate: null}`` with
  an ack every 20 ms while media flows: the round trip of a cheap acked event through the
  signaling process (the bot has no media session, so the media worker is not involved).

``room:N`` instead of ``PxS`` runs N participants that each publish and receive everyone else's
tracks (a meeting where everybody has a camera on), all in the publishers' process.

After every subscriber receives every track, the measured window (``--seconds``) starts. Figures:
forwarded streams; packets and bits per second into and out of the server (the media worker's
own counters, from ``GET /api/meetings/:id/live-stats``); CPU % of one core of the signaling
process, the media worker, the embedded database and each client process (``/proc/<pid>/stat``);
the Socket.IO round trip p50 / p99; and what the subscribers received (video frames per second
per track). Every client process shares the machine's cores with the server: see their CPU.

    .venv/bin/python bench/sfu.py [--publishers 4] [--subscribers 4] [--seconds 15]
    .venv/bin/python bench/sfu.py --sweep 2x2,4x4,6x6,8x8,room:4 [--seconds 15]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    CLK_TCK,
    ROOT,
    Ctl,
    Pool,
    Server,
    base_result,
    cpu_ticks,
    descendants,
    emit_result,
    http_json,
    latency_summary,
    ns_array,
    split,
)

WIDTH, HEIGHT, FPS, GOP, CLIP_FRAMES = 1280, 720, 30, 60, 120
VIDEO_BITRATE = 2_500_000
AUDIO_PPS = 50
PING_INTERVAL = 0.02
READY_TIMEOUT = 90.0
CLIENT = "aiortc 1.16.0 peers + python-socketio AsyncClient (websocket), pre-encoded media, tapped receivers"


# -- the media the publishers send -------------------------------------------------------------


def set_clip(size: str, bitrate: int) -> None:
    """Choose the publishers' clip before any client process forks (they read these globals)."""
    global WIDTH, HEIGHT, VIDEO_BITRATE
    WIDTH, HEIGHT = (int(part) for part in size.lower().split("x"))
    VIDEO_BITRATE = bitrate


def clip_path() -> Path:
    return Path(tempfile.gettempdir()) / f"slice-bench-vp8-{WIDTH}x{HEIGHT}-{VIDEO_BITRATE // 1000}k-{CLIP_FRAMES}f.pickle"


def _blocky(rng: Any, width: int, rows: int, block: int) -> bytes:
    """A luma texture of random ``block``-sized squares: compressible, but not to nothing."""
    out = []
    for _ in range(rows // block):
        small = bytes(rng.randrange(40, 220) for _ in range(width // block))
        out.append(b"".join(bytes([v]) * block for v in small) * block)
    return b"".join(out)


def _encode_clip(path: Path) -> None:
    """Encode the loop once: a texture scrolling sideways, with a band of fresh detail each frame,
    which libvpx's realtime mode codes at about the target bitrate."""
    import random

    import av

    rng = random.Random(7)
    wide = 2 * WIDTH
    texture = _blocky(rng, wide, HEIGHT, 8)
    band_rows = HEIGHT // 10
    fresh = _blocky(rng, WIDTH, band_rows * 8, 8)
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.time_base = fractions.Fraction(1, FPS)
    codec.framerate = fractions.Fraction(FPS, 1)
    codec.gop_size = GOP
    codec.bit_rate = VIDEO_BITRATE
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0",
                     "minrate": str(VIDEO_BITRATE), "maxrate": str(VIDEO_BITRATE), "bufsize": str(VIDEO_BITRATE)}
    frames: list[bytes] = []
    for index in range(CLIP_FRAMES):
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        shift = (index * 6) % WIDTH
        luma = b"".join(texture[row * wide + shift:row * wide + shift + WIDTH] for row in range(HEIGHT - band_rows))
        start = (index % 7) * band_rows * WIDTH
        frame.planes[0].update(luma + fresh[start:start + band_rows * WIDTH])
        for number, plane in enumerate(frame.planes[1:]):
            plane.update(bytes([(100 + index + 50 * number) % 256]) * (plane.line_size * plane.height))
        frame.pts = index
        frame.time_base = codec.time_base
        frame.pict_type = av.video.frame.PictureType.I if index % GOP == 0 else av.video.frame.PictureType.NONE
        frames += [bytes(packet) for packet in codec.encode(frame)]
    frames += [bytes(packet) for packet in codec.encode(None)]
    path.write_bytes(pickle.dumps(frames))


def ensure_clip() -> list[bytes]:
    """The cached loop, encoded first (in a child process: the main process forks the clients later)."""
    path = clip_path()
    if not path.exists():
        print(f"encoding the {WIDTH}x{HEIGHT} VP8 loop once into {path} (about 30 s)...", file=sys.stderr, flush=True)
        child = mp.get_context("fork").Process(target=_encode_clip, args=(path,))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError("encoding the VP8 loop failed")
    frames: list[bytes] = pickle.loads(path.read_bytes())
    return frames


def opus_loop(count: int = 50) -> list[bytes]:
    import av

    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = 48000, "stereo", "s16"
    codec.bit_rate = 64_000
    out: list[bytes] = []
    for index in range(count):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        pcm = b"".join((3000 if ((index * 960 + i) // 40) % 2 else -3000).to_bytes(2, "little", signed=True) * 2
                       for i in range(960))
        frame.planes[0].update(pcm)
        frame.sample_rate = 48000
        frame.pts = index * 960
        frame.time_base = fractions.Fraction(1, 48000)
        out += [bytes(packet) for packet in codec.encode(frame)]
    return out


# -- the clients (they run in the worker processes) ------------------------------------------------


def looped_track(kind: str, frames: list[bytes], per_second: float) -> Any:
    """A track whose ``recv()`` hands aiortc's sender the next encoded frame on time (it packs, never encodes)."""
    from aiortc import MediaStreamTrack

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from media.forwarding import EncodedFrame

    clock = 90000 if kind == "video" else 48000

    class Looped(MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.sent = 0
            self.start: float | None = None

        async def recv(self) -> Any:
            if self.start is None:
                self.start = time.monotonic()
            await asyncio.sleep(max(0.0, self.start + self.sent / per_second - time.monotonic()))
            frame = EncodedFrame(frames[self.sent % len(frames)], int(self.sent * clock / per_second),
                                 fractions.Fraction(1, clock))
            self.sent += 1
            return frame

    return Looped()


class Participant:
    """One Socket.IO connection and one aiortc connection to the SFU."""

    def __init__(self, name: str, *, receive: bool) -> None:
        import socketio
        from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection

        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from media import aiortc_hooks

        self.name = name
        self.receive = receive
        self.sio = socketio.AsyncClient(reconnection=False)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.lock = asyncio.Lock()
        self.answered = asyncio.Event()
        self.joined: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.counts: dict[str, list[Any]] = {}  # mid -> [kind, frames, bytes]
        self.closed_reason: str | None = None

        @self.sio.on("joined")
        async def on_joined(data: Any) -> None:
            if not self.joined.done():
                self.joined.set_result(data)

        @self.sio.on("error")
        async def on_error(data: Any) -> None:
            if not self.joined.done():
                self.joined.set_exception(RuntimeError(f"{name}: {data}"))

        @self.sio.on("sfu:answer")
        async def on_answer(data: Any) -> None:
            from aiortc import RTCSessionDescription

            async with self.lock:
                if self.pc.signalingState != "closed":
                    await self.pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "answer"))
            self.answered.set()

        @self.sio.on("sfu:offer")
        async def on_offer(data: Any) -> None:
            from aiortc import RTCSessionDescription

            await self.answered.wait()
            async with self.lock:
                if self.pc.signalingState == "closed":
                    return
                await self.pc.setRemoteDescription(RTCSessionDescription(data["sdp"], "offer"))
                if not self.receive:
                    for transceiver in self.pc.getTransceivers():
                        if transceiver.sender.track is None:  # the server's tracks: refused
                            transceiver.direction = "inactive"
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.sio.emit("sfu:answer", {"sdp": self.pc.localDescription.sdp})

        @self.sio.on("sfu:closed")
        async def on_closed(data: Any) -> None:
            self.closed_reason = str(data)

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
            entry = self.counts.setdefault(transceiver.mid or "", [track.kind, 0, 0])

            def sink(codec: Any, frame: Any) -> None:
                entry[1] += 1
                entry[2] += len(frame.data)

            aiortc_hooks.tap_receiver(transceiver.receiver, sink)

    async def join(self, base: str, meeting_id: str) -> None:
        await self.sio.connect(base, transports=["websocket"], wait_timeout=20)
        await self.sio.emit("join-meeting", {"meetingId": meeting_id, "name": self.name})
        await asyncio.wait_for(self.joined, 20)

    async def publish(self, tracks: list[Any]) -> None:
        for track in tracks:
            self.pc.addTransceiver(track, direction="sendonly")
        sources = {t.id: ("camera" if t.kind == "video" else "microphone") for t in tracks}
        async with self.lock:
            await self.pc.setLocalDescription(await self.pc.createOffer())
        ack = await self.sio.call("sfu:offer", {"sdp": self.pc.localDescription.sdp, "sources": sources}, timeout=30)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"{self.name}: sfu:offer refused: {ack}")
        await asyncio.wait_for(self.answered.wait(), 30)

    def snapshot(self) -> dict[str, list[Any]]:
        return {mid: list(entry) for mid, entry in self.counts.items()}

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.pc.close()
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def peer_process(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    """Publishers or subscribers: join, publish (or not), wait for media, count it over the window."""
    publishing, receive = args["role"] == "publishers", args["receive"]
    video, audio = (ensure_clip(), opus_loop()) if publishing else ([], [])
    group = [Participant(name, receive=receive) for name in args["names"]]
    try:
        for peer in group:  # one after the other: a burst of joins and offers is not what is measured
            await peer.join(args["base"], args["meeting"])
            tracks = [looped_track("video", video, FPS), looped_track("audio", audio, AUDIO_PPS)] if publishing else []
            await peer.publish(tracks)
        expected = args["expected_tracks"]  # per receiving participant
        deadline = time.monotonic() + READY_TIMEOUT
        while receive and time.monotonic() < deadline:
            if all(sum(1 for e in p.counts.values() if e[1] > 0) >= expected for p in group):
                break
            await asyncio.sleep(0.2)
        flowing = [sum(1 for e in p.counts.values() if e[1] > 0) for p in group]
        start_at, stop_at = await ctl.sync("ready", {"flowing": flowing, "expected": expected})
        await sleep_until(start_at)
        before = [p.snapshot() for p in group]
        await sleep_until(stop_at)
        after = [p.snapshot() for p in group]
        closed = [p.closed_reason for p in group if p.closed_reason]
        await ctl.sync("done")
    finally:
        await asyncio.gather(*(p.close() for p in group))
    fps: list[float] = []
    audio_pps: list[float] = []
    received_bytes = 0
    window = stop_at - start_at
    for first, last in zip(before, after, strict=True) if receive else ():  # a publisher refuses what it is offered
        for mid, (kind, frames, size) in last.items():
            _, frames0, size0 = first.get(mid, [kind, 0, 0])
            received_bytes += size - size0
            (fps if kind == "video" else audio_pps).append((frames - frames0) / window)
    return {"fps": fps, "audio_pps": audio_pps, "received_bits_per_s": received_bytes * 8 / window,
            "closed": closed[:3], "flowing_at_start": flowing}


async def rtt_bot(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    """A seated participant without media: an acked ``sfu:ice-candidate`` every 20 ms, timed."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    joined: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    sio.on("joined", lambda data: joined.done() or joined.set_result(data))
    await sio.connect(args["base"], transports=["websocket"], wait_timeout=20)
    await sio.emit("join-meeting", {"meetingId": args["meeting"], "name": "rtt-bot"})
    await asyncio.wait_for(joined, 20)
    rtts, failures = ns_array(), []
    start_at, stop_at = await ctl.sync("ready", {})
    await sleep_until(start_at)
    while time.monotonic() < stop_at:
        t0 = time.monotonic_ns()
        try:
            ack = await sio.call("sfu:ice-candidate", {"candidate": None}, timeout=5)
            if isinstance(ack, dict) and ack.get("ok"):
                rtts.append(time.monotonic_ns() - t0)
            else:
                failures.append(str(ack)[:200])
        except Exception as exc:  # noqa: BLE001 - a timeout or a dropped socket: counted
            failures.append(repr(exc)[:200])
        await asyncio.sleep(PING_INTERVAL)
    await ctl.sync("done")
    await sio.disconnect()
    return {"rtts": rtts.tobytes(), "failures": len(failures), "failure_samples": failures[:3]}


async def worker(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    return await (rtt_bot(ctl, args) if args["role"] == "bot" else peer_process(ctl, args))


# -- the main process -------------------------------------------------------------------------------


def media_worker_pid(server_pid: int) -> int | None:
    for pid in descendants(server_pid):
        with contextlib.suppress(OSError):
            if b"media.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    return None


def udp_drops() -> int:
    """Datagrams the kernel dropped because a socket's receive buffer was full (machine-wide)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        header, values = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()
                          if line.startswith("Udp:")][:2]
        return int(values[header.index("RcvbufErrors")])
    return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, stolen) CPU ticks of all cores, from the first line of /proc/stat: busy is user, nice,
    system, irq and softirq (loopback packets are partly handled in softirq, outside any process);
    stolen is time the hypervisor gave another guest."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return user + nice + system + irq + softirq, steal


def ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += cpu_ticks(pid)[0]
    return total


def run(publishers: int, subscribers: int, seconds: float, room: bool, subscriber_procs: int) -> dict[str, Any]:
    clip = ensure_clip()
    clip_bps = sum(map(len, clip)) * 8 * FPS / len(clip)
    participants = publishers + subscribers
    with Server() as server:
        status, body = http_json("POST", server.base + "/api/meetings/guest", {"title": "bench sfu"})
        if status != 201:
            raise RuntimeError(f"guest meeting: {status} {body}")
        meeting_id, token = body["meetingId"], body["adminToken"]
        host = {"x-admin-token": token}
        status, body = http_json("PATCH", f"{server.base}/api/meetings/{meeting_id}/settings",
                                 {"maxParticipants": participants + 5, "mediaMode": "sfu"}, host)
        if status != 200:
            raise RuntimeError(f"PATCH settings: {status} {body}")

        shared = {"base": server.base, "meeting": meeting_id}
        roles = [{**shared, "role": "publishers", "receive": room, "names": [f"pub-{i}" for i in range(publishers)],
                  "expected_tracks": 2 * (publishers - 1)}]
        names = [f"sub-{i}" for i in range(subscribers)]
        roles += [{**shared, "role": "subscribers", "receive": True, "names": share, "expected_tracks": 2 * publishers}
                  for share in split(names, subscriber_procs) if share]
        roles.append({**shared, "role": "bot"})
        clients = [r["role"] if sum(o["role"] == r["role"] for o in roles) == 1 else f"{r['role']}{i}"
                   for i, r in enumerate(roles)]
        load_before = os.getloadavg()
        pool = Pool(worker, roles, deadline_s=seconds + 300).start()
        try:
            ready = pool.gather("ready")
            worker_pid = media_worker_pid(server.pid)
            db_pids = [pid for pid in descendants(server.pid) if pid != worker_pid]
            start_at = time.monotonic() + 2.0  # settle after the last subscription
            stop_at = start_at + seconds
            pool.release((start_at, stop_at))
            time.sleep(max(0.0, start_at - time.monotonic()))
            groups = {"signaling": [server.pid], "media_worker": [worker_pid] if worker_pid else [], "db": db_pids,
                      **{name: [pid] for name, pid in zip(clients, pool.pids(), strict=True)}}
            (busy0, steal0), drops0 = machine_ticks(), udp_drops()
            cpu0, t0 = {name: ticks(pids) for name, pids in groups.items()}, time.monotonic()
            http_json("GET", f"{server.base}/api/meetings/{meeting_id}/live-stats", headers=host)  # the window's start
            time.sleep(max(0.0, stop_at - time.monotonic()))
            status, stats = http_json("GET", f"{server.base}/api/meetings/{meeting_id}/live-stats", headers=host)
            cpu1, t1 = {name: ticks(pids) for name, pids in groups.items()}, time.monotonic()
            (busy1, steal1), drops1 = machine_ticks(), udp_drops()
            pool.gather("done")
            pool.release()
            results = pool.gather("result")
        finally:
            pool.close()
        if status != 200:
            raise RuntimeError(f"live-stats: {status} {stats}")

    import array

    rtts = array.array("q")
    rtts.frombytes(results[-1]["rtts"])
    media_results = results[:-1]
    fps = [f for r in media_results for f in r["fps"]]
    audio_pps = [p for r in media_results for p in r["audio_pps"]]
    cpu = {name: round((cpu1[name] - cpu0[name]) / CLK_TCK / (t1 - t0) * 100, 1) for name in groups}
    busy = (busy1 - busy0) / CLK_TCK / (t1 - t0) * 100
    stolen = (steal1 - steal0) / CLK_TCK / (t1 - t0) * 100
    receivers = participants if room else subscribers
    receiving = [r for role, r in zip(roles, ready, strict=True) if role.get("receive")]
    forwarded = 2 * publishers * (receivers - 1 if room else receivers)
    result = base_result("sfu", server, len(roles))
    result.update({
        "client": CLIENT,
        "mode": "room (everyone publishes and receives)" if room else "publishers send, subscribers receive",
        "publishers": publishers, "subscribers": receivers, "seconds": seconds,
        "load_average_before": [round(x, 2) for x in load_before],
        "video": {"width": WIDTH, "height": HEIGHT, "fps": FPS, "keyframe_every_s": GOP / FPS,
                  "clip_kbps": round(clip_bps / 1000), "audio": "Opus 50 packets/s"},
        "tracks_flowing_at_start": {"expected": [r["expected"] for r in receiving],
                                    "min": min((f for r in receiving for f in r["flowing"]), default=None)},
        "forwarded_streams": forwarded,
        "server_producers": stats["producers"], "server_consumers": stats["consumers"],
        "packets_in_per_s": stats["packet_rate"]["incoming"], "packets_out_per_s": stats["packet_rate"]["outgoing"],
        "mbps_in": round(stats["bitrate"]["incoming"] / 1e6, 2), "mbps_out": round(stats["bitrate"]["outgoing"] / 1e6, 2),
        "stats_window_s": stats["window_seconds"],
        "rtcp": stats["quality_stats"],
        "udp_receive_buffer_drops_per_s": round((drops1 - drops0) / (t1 - t0), 1),
        "cpu_pct_signaling": cpu["signaling"], "cpu_pct_media_worker": cpu["media_worker"], "cpu_pct_db": cpu["db"],
        "cpu_pct_clients": {name: cpu[name] for name in clients},
        "cpu_pct_machine_busy": round(busy, 1), "cpu_pct_stolen": round(stolen, 1),
        "cpu_pct_other": round(max(0.0, busy - sum(cpu.values())), 1),
        **latency_summary(rtts, "sio_rtt"),
        "sio_rtt_failures": results[-1]["failures"],
        "received_video_fps_mean": round(sum(fps) / len(fps), 1) if fps else None,
        "received_video_fps_min": round(min(fps), 1) if fps else None,
        "received_video_fps_each": sorted(round(f, 1) for f in fps),
        "received_audio_pps_mean": round(sum(audio_pps) / len(audio_pps), 1) if audio_pps else None,
        "received_mbps": round(sum(r["received_bits_per_s"] for r in media_results) / 1e6, 2),
        "sfu_closed": [c for r in media_results for c in r["closed"]][:3],
    })
    result["saturated"] = bool(fps and min(fps) < 0.9 * FPS) or cpu["media_worker"] >= 95
    return result


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| P × S | forwarded streams | pkt/s in | pkt/s out | Mbps out | CPU % signaling | CPU % media worker "
             "| CPU % clients | CPU % other / stolen | Socket.IO RTT p50 / p99 ms | received fps mean / min | RTCP loss | UDP drops/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        kind = f"room {r['subscribers']}" if r["mode"].startswith("room") else f"{r['publishers']} × {r['subscribers']}"
        clients = " + ".join(f"{v:g}" for v in r["cpu_pct_clients"].values())
        lines.append(f"| {kind} | {r['forwarded_streams']} | {r['packets_in_per_s']:g} | {r['packets_out_per_s']:g} "
                     f"| {r['mbps_out']:g} | {r['cpu_pct_signaling']:g} | {r['cpu_pct_media_worker']:g} | {clients} "
                     f"| {r['cpu_pct_other']:g} / {r['cpu_pct_stolen']:g} "
                     f"| {r['sio_rtt_p50_ms']} / {r['sio_rtt_p99_ms']} | {r['received_video_fps_mean']} / "
                     f"{r['received_video_fps_min']} | {r['rtcp']['packet_loss_rate']} "
                     f"| {r['udp_receive_buffer_drops_per_s']:g} |")
    return "\n".join(lines)


def points(spec: str) -> list[tuple[int, int, bool]]:
    found = []
    for token in spec.split(","):
        token = token.strip().lower()
        if token.startswith("room:"):
            found.append((int(token[5:]), 0, True))
        else:
            publishers, subscribers = token.split("x")
            found.append((int(publishers), int(subscribers), False))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishers", type=int, default=4)
    parser.add_argument("--subscribers", type=int, default=4)
    parser.add_argument("--room", type=int, default=0, help="N participants that all publish and receive (instead of P×S)")
    parser.add_argument("--seconds", type=float, default=15.0, help="the measured window")
    parser.add_argument("--subscriber-procs", type=int, default=1, help="processes the subscribers are split over")
    parser.add_argument("--sweep", default="", help="comma-separated points: PxS or room:N, e.g. 2x2,4x4,6x6,room:4")
    parser.add_argument("--size", default=f"{WIDTH}x{HEIGHT}", help="the publishers' picture, e.g. 640x480")
    parser.add_argument("--bitrate", type=int, default=VIDEO_BITRATE, help="the publishers' VP8 bitrate, bits/s")
    opts = parser.parse_args()
    set_clip(opts.size, opts.bitrate)
    if opts.sweep:
        wanted = points(opts.sweep)
    elif opts.room:
        wanted = [(opts.room, 0, True)]
    else:
        wanted = [(opts.publishers, opts.subscribers, False)]
    rows = []
    for publishers, subscribers, room in wanted:
        row = run(publishers, subscribers, opts.seconds, room, opts.subscriber_procs)
        emit_result(row)
        rows.append(row)
    if len(rows) > 1:
        print(table(rows), flush=True)


if __name__ == "__main__":
    main()
