"""Chat fan-out: N participants in one meeting each send ``chat:message`` every INTERVAL s for DURATION s.

Every message goes to the whole room (sender included), so the offered load is N*N/INTERVAL
deliveries per second. The send time (CLOCK_MONOTONIC, shared by all processes of the machine) is
embedded in the text; latency is send → receipt. The per-socket chat limit is 10 per 10 s, so
consecutive sends of one client are kept at least 1.12 s apart (10 sends then span > 10 s).
After the send phase the workers wait (up to --drain s) until every client has received every
message that was sent; ``lost`` is expected − received.

    .venv/bin/python bench/fanout.py [--participants 200] [--interval 1.2] [--duration 20] [--workers 1]
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

MIN_GAP = 1.12


async def worker(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    base, meeting_id, ids = args["base"], args["meeting"], args["ids"]
    total, interval, duration = args["participants"], args["interval"], args["duration"]
    latencies = ns_array()
    received = dict.fromkeys(ids, 0)
    last_rx = [0.0]

    def on_chat(client: SioClient, body: Any) -> None:
        now = time.monotonic_ns()
        sent_ns = int(body["text"].rsplit("|", 1)[1])
        latencies.append(now - sent_ns)
        received[client.tag] += 1
        last_rx[0] = now / 1e9

    def make(i: int) -> SioClient:
        client = SioClient(ids[i])
        client.on("chat:message", on_chat)
        client.on("error", lambda c, body: None)  # kept in client.errors, counted below
        return client

    async with client_session() as session:
        # Join in small waves so the joins themselves do not pile up behind each other.
        clients, failures = await connect_all(
            session, base, len(ids), 20, make, lambda c: join(c, meeting_id, f"bench-{c.tag}"))
        start_at = await ctl.sync("joined", {"joined": len(clients), "failures": failures[:3]})
        stop_at = start_at + duration
        sent = dict.fromkeys(ids, 0)

        async def sender(client: SioClient) -> None:
            k, last = 0, 0.0
            first = start_at + interval * (client.tag / total)
            while True:
                due = max(first + k * interval, last + MIN_GAP)
                if due >= stop_at:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if not client.alive:
                    return
                last = time.monotonic()
                await client.emit("chat:message", {"text": f"{client.tag}|{k}|{time.monotonic_ns()}"})
                sent[client.tag] += 1
                k += 1

        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        await asyncio.gather(*(sender(c) for c in clients))
        rate_limited = sum(1 for c in clients for e in c.errors if isinstance(e, dict) and e.get("code") == "rate_limited")
        other_errors = [e for c in clients for e in c.errors if not (isinstance(e, dict) and e.get("code") == "rate_limited")]
        expected_each = await ctl.sync("sent", {"sent": sum(sent.values()), "rate_limited": rate_limited})
        drain_until = time.monotonic() + args["drain"]
        while time.monotonic() < drain_until and any(received[c.tag] < expected_each for c in clients if c.alive):  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # a poll: the condition spans every client
        disconnected = sum(1 for c in clients if not c.alive)
        await ctl.sync("drained")
        for c in clients:
            await c.close()
    return {
        "received": sum(received.values()),
        "joined": len(clients), "latencies": latencies.tobytes(), "last_rx": last_rx[0],
        "disconnected": disconnected, "other_errors": other_errors[:3], "n_other_errors": len(other_errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--interval", type=float, default=1.2)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--drain", type=float, default=15.0, help="max seconds to wait for deliveries after sending")
    parser.add_argument("--workers", type=int, default=1, help="client processes (1-2)")
    opts = parser.parse_args()
    if opts.interval < MIN_GAP:
        parser.error(f"--interval below {MIN_GAP}s would trip the 10-per-10-s chat limit")

    with Server() as server:
        meeting_id, _ = guest_meeting(server.base, "bench fanout", max_participants=500)
        args = [{"base": server.base, "meeting": meeting_id, "ids": ids, "participants": opts.participants,
                 "interval": opts.interval, "duration": opts.duration, "drain": opts.drain}
                for ids in split(list(range(opts.participants)), opts.workers)]
        pool = Pool(worker, args, deadline_s=opts.duration + opts.drain + 240).start()
        try:
            joined = pool.gather("joined")
            before, client0 = server.probe(), pool.client_cpu()
            start_at = time.monotonic() + 0.5
            pool.release(start_at)
            sent = pool.gather("sent")
            total_sent = sum(s["sent"] for s in sent)
            limited = sum(s["rate_limited"] for s in sent)
            pool.release(total_sent - limited)
            pool.gather("drained")
            after, client1 = server.probe(), pool.client_cpu()
            pool.release()
            results = pool.gather("result")
        finally:
            pool.close()

        import array

        latencies = array.array("q")
        for r in results:
            latencies.frombytes(r["latencies"])
        received = sum(r["received"] for r in results)
        members = sum(j["joined"] for j in joined)
        expected = (total_sent - limited) * members
        last_rx = max(r["last_rx"] for r in results)
        span = max(1e-9, last_rx - start_at)
        cpu = after.cpu_since(before)
        result = base_result("fanout", server, opts.workers)
        result.update({
            "participants": opts.participants, "joined": members, "interval_s": opts.interval,
            "duration_s": opts.duration,
            "offered_deliveries_per_s": round(members * members / opts.interval),
            "messages_sent": total_sent, "rate_limited": limited, "expected_deliveries": expected,
            "received_deliveries": received, "lost": expected - received,
            "deliveries_per_s": round(received / span), "delivery_span_s": round(span, 2),
            **latency_summary(latencies, "latency"),
            "server_cpu_s": cpu["total"], "server_cpu_main_s": cpu["main"], "server_cpu_children_s": cpu["children"],
            "deliveries_per_server_cpu_s": round(received / cpu["total"]) if cpu["total"] else None,
            "server_rss_mb": round(after.rss["main"] / 1024, 1),
            "client_cpu_s": round(client1 - client0, 2),
            "disconnected": sum(r["disconnected"] for r in results),
            "other_errors": sum(r["n_other_errors"] for r in results),
            "error_samples": [e for r in results for e in r["other_errors"]][:3],
        })
        emit_result(result)


if __name__ == "__main__":
    main()
