"""Signalling round trips: P pairs in one meeting ping-pong a ~1 KB ``signal:offer`` for DURATION s.

In each pair A sends ``signal:offer {to: B, offer}``; B, on receipt, sends the same offer back to A;
A's round trip ends when it receives it, and A sends the next one at once. All pairs run concurrently.
The default per-socket limit (200 events of one name per second) is far above what one pair reaches.

    .venv/bin/python bench/signaling.py [--pairs 50] [--duration 20] [--size 1024] [--workers 1]
"""
from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from common import (
    Ctl,
    Pool,
    Server,
    SioClient,
    base_result,
    client_session,
    connect_all,
    emit_result,
    guest_meeting,
    join,
    latency_summary,
    ns_array,
    split,
)

RT_TIMEOUT = 5.0


async def worker(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    base, meeting_id, pairs, size, duration = args["base"], args["meeting"], args["pairs"], args["size"], args["duration"]
    rtts = ns_array()
    offer = {"type": "offer", "sdp": "v=0\r\n" + "a" * max(0, size - 5)}
    pids: dict[int, str] = {}

    async def echo(client: SioClient, body: Any) -> None:  # B: send the offer straight back
        await client.emit("signal:offer", {"to": body["from"], "offer": body["offer"]})

    def make(i: int) -> SioClient:
        client = SioClient(i)
        if i % 2 == 1:
            client.on("signal:offer", echo)
        return client

    async def join_and_note(client: SioClient) -> None:
        body, _ = await join(client, meeting_id, f"bench-{args['first'] + client.tag}")
        pids[client.tag] = body["participantId"]

    async with client_session() as session:
        clients, failures = await connect_all(session, base, pairs * 2, 20, make, join_and_note)
        by_tag = {c.tag: c for c in clients}
        start_at = await ctl.sync("joined", {"joined": len(clients), "failures": failures[:3]})
        stop_at = start_at + duration
        timeouts = [0]

        async def pinger(a: SioClient, b_pid: str) -> None:
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            while time.monotonic() < stop_at and a.alive:
                fut = a.wait("signal:offer")
                t0 = time.monotonic_ns()
                await a.emit("signal:offer", {"to": b_pid, "offer": offer})
                try:
                    await asyncio.wait_for(fut, RT_TIMEOUT)
                except Exception:  # noqa: BLE001 - a timeout, a refused relay or a dropped socket: counted
                    timeouts[0] += 1
                    continue
                rtts.append(time.monotonic_ns() - t0)

        await asyncio.gather(*(pinger(by_tag[2 * p], pids[2 * p + 1]) for p in range(pairs)
                               if 2 * p in by_tag and 2 * p + 1 in pids))
        ended = time.monotonic()
        errors = [e for c in clients for e in c.errors]
        disconnected = sum(1 for c in clients if not c.alive)
        await ctl.sync("done")
        for c in clients:
            await c.close()
    return {"rtts": rtts.tobytes(), "timeouts": timeouts[0], "errors": errors[:3], "n_errors": len(errors),
            "disconnected": disconnected, "ended": ended, "joined": len(clients)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--size", type=int, default=1024, help="approximate offer size in bytes")
    parser.add_argument("--workers", type=int, default=1, help="client processes (pairs are split between them)")
    opts = parser.parse_args()

    with Server() as server:
        meeting_id, _ = guest_meeting(server.base, "bench signal", max_participants=500)
        shares = split(list(range(opts.pairs)), opts.workers)
        args = [{"base": server.base, "meeting": meeting_id, "pairs": len(share), "size": opts.size,
                 "duration": opts.duration, "first": 2 * share[0] if share else 0} for share in shares]
        pool = Pool(worker, args, deadline_s=opts.duration + 240).start()
        try:
            joined = pool.gather("joined")
            before, client0 = server.probe(), pool.client_cpu()
            start_at = time.monotonic() + 0.5
            pool.release(start_at)
            pool.gather("done")
            after, client1 = server.probe(), pool.client_cpu()
            pool.release()
            results = pool.gather("result")
        finally:
            pool.close()

        import array

        rtts = array.array("q")
        for r in results:
            rtts.frombytes(r["rtts"])
        span = max(r["ended"] for r in results) - start_at
        cpu = after.cpu_since(before)
        result = base_result("signal", server, opts.workers)
        result.update({
            "pairs": opts.pairs, "joined": sum(j["joined"] for j in joined), "offer_bytes": opts.size,
            "duration_s": opts.duration, "round_trips": len(rtts),
            "round_trips_per_s": round(len(rtts) / span),
            "relays_per_s": round(2 * len(rtts) / span),
            **latency_summary(rtts, "rtt"),
            "timeouts": sum(r["timeouts"] for r in results),
            "server_cpu_s": cpu["total"], "server_cpu_main_s": cpu["main"], "server_cpu_children_s": cpu["children"],
            "round_trips_per_server_cpu_s": round(len(rtts) / cpu["total"]) if cpu["total"] else None,
            "server_rss_mb": round(after.rss["main"] / 1024, 1),
            "client_cpu_s": round(client1 - client0, 2),
            "disconnected": sum(r["disconnected"] for r in results),
            "errors": sum(r["n_errors"] for r in results),
            "error_samples": [e for r in results for e in r["errors"]][:3],
        })
        emit_result(result)


if __name__ == "__main__":
    main()
