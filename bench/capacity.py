"""Idle capacity: N participants in meetings of M (maxParticipants M), connected, joined, then held.

Measures the connect rate (websocket + Socket.IO handshake + join-meeting → joined, with at most
--concurrency in flight), the server's RSS growth per participant, and how many connections drop
during a hold of --hold seconds (the server pings every 25 s; an unanswered ping closes a socket).

    .venv/bin/python bench/capacity.py [--participants 2000] [--per-meeting 100] [--hold 60] [--workers 1]
"""
from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from common import (
    Ctl,
    Pool,
    Probe,
    Server,
    SioClient,
    base_result,
    client_session,
    connect_all,
    emit_result,
    guest_meeting,
    join,
    latency_summary,
    split,
)


async def worker(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    base, meetings, ids, per_meeting = args["base"], args["meetings"], args["ids"], args["per_meeting"]
    latencies: list[int] = []

    async def join_it(client: SioClient) -> None:
        t0 = time.monotonic_ns()
        await join(client, meetings[client.tag // per_meeting], f"idle-{client.tag}", timeout=120)
        latencies.append(time.monotonic_ns() - t0)

    async with client_session() as session:
        await ctl.sync("ready")
        t0 = time.monotonic()
        clients, failures = await connect_all(session, base, len(ids), args["concurrency"],
                                              lambda i: SioClient(ids[i]), join_it)
        t1 = time.monotonic()
        hold = await ctl.sync("connected", {"connected": len(clients), "failures": len(failures),
                                            "failure_samples": failures[:3], "t0": t0, "t1": t1})
        await asyncio.sleep(hold)
        dropped = [c for c in clients if not c.alive]
        reasons: dict[str, int] = {}
        for c in dropped:
            reasons[c.close_reason or "?"] = reasons.get(c.close_reason or "?", 0) + 1
        await ctl.sync("held", {"disconnects": len(dropped), "reasons": reasons})
        t_close = time.monotonic()
        await asyncio.gather(*(c.close() for c in clients))
        await ctl.sync("closed", {"t0": t_close, "t1": time.monotonic()})
    return {"latencies": latencies}


def settle(server: Server, quiet: float = 0.05, step: float = 0.5, limit: float = 300.0) -> Probe:
    """The first probe after which the server used under ``quiet`` CPU-seconds in ``step`` seconds."""
    last = server.probe()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(step)
        now = server.probe()
        if now.cpu["total"] - last.cpu["total"] < quiet:
            return last
        last = now
    return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--per-meeting", type=int, default=100)
    parser.add_argument("--hold", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes+joins in flight per worker")
    parser.add_argument("--workers", type=int, default=0, help="client processes (default: 1, or 2 above 5000)")
    opts = parser.parse_args()
    workers = opts.workers or (2 if opts.participants > 5000 else 1)
    n_meetings = -(-opts.participants // opts.per_meeting)

    with Server() as server:
        meetings = [guest_meeting(server.base, f"bench capacity {i}", max_participants=opts.per_meeting)[0]
                    for i in range(n_meetings)]
        args = [{"base": server.base, "meetings": meetings, "ids": ids, "per_meeting": opts.per_meeting,
                 "concurrency": opts.concurrency}
                for ids in split(list(range(opts.participants)), workers)]
        pool = Pool(worker, args, deadline_s=opts.hold + 900).start()
        try:
            pool.gather("ready")
            time.sleep(1.0)  # let the server settle after meeting creation
            before = server.probe()
            pool.release()
            connected = pool.gather("connected")
            after = server.probe()
            pool.release(opts.hold)
            held = pool.gather("held")
            end = server.probe()
            pool.release()
            closed = pool.gather("closed")
            gone = settle(server)  # the server works through the disconnects after the sockets close
            pool.release()
            results = pool.gather("result")
        finally:
            pool.close()

        n_ok = sum(c["connected"] for c in connected)
        span = max(c["t1"] for c in connected) - min(c["t0"] for c in connected)
        reasons: dict[str, int] = {}
        for h in held:
            for k, v in h["reasons"].items():
                reasons[k] = reasons.get(k, 0) + v
        latencies = [x for r in results for x in r["latencies"]]
        connect_cpu, hold_cpu = after.cpu_since(before), end.cpu_since(after)
        result = base_result("capacity", server, workers)
        result.update({
            "participants": opts.participants, "meetings": n_meetings, "per_meeting": opts.per_meeting,
            "connected": n_ok, "connect_failures": sum(c["failures"] for c in connected),
            "failure_samples": [s for c in connected for s in c["failure_samples"]][:3],
            "connect_s": round(span, 2), "connects_per_s": round(n_ok / span, 1) if span else None,
            **latency_summary(latencies, "join_latency"),
            "server_rss_before_mb": round(before.rss["main"] / 1024, 1),
            "server_rss_after_mb": round(after.rss["main"] / 1024, 1),
            "server_rss_end_of_hold_mb": round(end.rss["main"] / 1024, 1),
            "server_rss_delta_mb": round((after.rss["main"] - before.rss["main"]) / 1024, 1),
            "rss_per_participant_kb": round((after.rss["main"] - before.rss["main"]) / max(1, n_ok), 1),
            "db_rss_mb": round(end.rss["children"] / 1024, 1),
            "hold_s": opts.hold, "disconnects_during_hold": sum(h["disconnects"] for h in held),
            "disconnect_reasons": reasons,
            "server_cpu_connect_s": connect_cpu["total"], "server_cpu_hold_s": hold_cpu["total"],
            "disconnect_all_s": round(gone.t - min(c["t0"] for c in closed), 2),
            "server_cpu_disconnect_all_s": gone.cpu_since(end)["total"],
        })
        emit_result(result)


if __name__ == "__main__":
    main()
