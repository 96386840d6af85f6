"""Join rate: one meeting (maxParticipants 500), N clients join in waves.

Each wave connects its clients (Engine.IO + Socket.IO handshake), then emits ``join-meeting`` for all
of them at once and waits for every ``joined``. Join latency is emit → ``joined`` received. Every join
also fans ``participant:joined`` out to everyone already inside, so later waves cost more.

    .venv/bin/python bench/join.py [--participants 200] [--wave 20] [--owned | --webhook]

The meeting is a guest meeting (memory only) unless ``--owned`` (an account's meeting, saved in
MongoDB) or ``--webhook`` (an account's meeting whose owner has a ``participant.joined`` webhook to a
receiver in this process, so every join first writes its delivery to the MongoDB outbox; the line
adds how many deliveries arrived and how long after the last join the last one came).
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
    WebhookReceiver,
    base_result,
    client_session,
    emit_result,
    guest_meeting,
    join,
    latency_summary,
    owned_meeting,
)


async def worker(ctl: Ctl, args: dict[str, Any]) -> dict[str, Any]:
    base, meeting_id, total, wave = args["base"], args["meeting"], args["participants"], args["wave"]
    clients: list[SioClient] = []
    latencies: list[int] = []
    connect_ns: list[int] = []
    failures: list[str] = []
    async with client_session() as session:
        await ctl.sync("ready")
        t_start = time.monotonic()
        join_time = 0.0
        for first in range(0, total, wave):
            batch = [SioClient(i) for i in range(first, min(total, first + wave))]

            async def connect(c: SioClient) -> None:
                t0 = time.monotonic_ns()
                await c.connect(session, base)
                connect_ns.append(time.monotonic_ns() - t0)

            done = await asyncio.gather(*(connect(c) for c in batch), return_exceptions=True)
            ready = [c for c, r in zip(batch, done, strict=True) if not isinstance(r, BaseException)]
            failures += [repr(r)[:200] for r in done if isinstance(r, BaseException)]
            t_wave = time.monotonic()
            joined = await asyncio.gather(*(join(c, meeting_id, f"bench-{c.tag}") for c in ready),
                                          return_exceptions=True)
            join_time += time.monotonic() - t_wave
            for c, r in zip(ready, joined, strict=True):
                if isinstance(r, BaseException):
                    failures.append(repr(r)[:200])
                else:
                    latencies.append(r[1])
                    clients.append(c)
        elapsed = time.monotonic() - t_start
        await ctl.sync("joined")
        for c in clients:
            await c.close()
    return {"latencies": latencies, "connect_ns": connect_ns, "failures": failures, "elapsed": elapsed,
            "join_time": join_time}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--wave", type=int, default=20)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--owned", action="store_true", help="an account's meeting instead of a guest meeting")
    kind.add_argument("--webhook", action="store_true", help="an owned meeting whose joins go through the outbox")
    opts = parser.parse_args()

    receiver = WebhookReceiver() if opts.webhook else None
    with Server({"WEBHOOK_ALLOW_PRIVATE": "true"} if receiver else None) as server:
        if opts.owned or receiver is not None:
            hook = receiver.url if receiver is not None else None
            meeting_id, _ = owned_meeting(server.base, "bench join", max_participants=500, hook_url=hook)
        else:
            meeting_id, _ = guest_meeting(server.base, "bench join", max_participants=500)
        pool = Pool(worker, [{"base": server.base, "meeting": meeting_id, "participants": opts.participants,
                              "wave": opts.wave}], deadline_s=300).start()
        try:
            pool.gather("ready")
            before, cpu_client0 = server.probe(), pool.client_cpu()
            pool.release()
            pool.gather("joined")
            joined_at = time.monotonic()
            after, cpu_client1 = server.probe(), pool.client_cpu()
            pool.release()
            (res,) = pool.gather("result")
        finally:
            pool.close()
        joined = len(res["latencies"])
        cpu = after.cpu_since(before)
        result = base_result("join", server, 1)
        result.update({
            "meeting": "webhook" if receiver is not None else "owned" if opts.owned else "guest",
            "participants": opts.participants, "wave": opts.wave, "joined": joined, "failures": len(res["failures"]),
            "failure_samples": res["failures"][:3],
            "joins_per_s": round(joined / res["elapsed"], 1),
            "joins_per_s_excluding_connect": round(joined / res["join_time"], 1) if res["join_time"] else None,
            "elapsed_s": round(res["elapsed"], 2),
            **latency_summary(res["latencies"], "join_latency"),
            **latency_summary(res["connect_ns"], "connect"),
            "server_cpu_s": cpu["total"], "server_cpu_main_s": cpu["main"], "server_cpu_children_s": cpu["children"],
            "server_rss_mb": round(after.rss["main"] / 1024, 1),
            "server_rss_delta_mb": round((after.rss["main"] - before.rss["main"]) / 1024, 1),
            "db_rss_mb": round(after.rss["children"] / 1024, 1),
            "client_cpu_s": round(cpu_client1 - cpu_client0, 2),
        })
        if receiver is not None:
            deadline = time.monotonic() + 30
            while receiver.count < joined and time.monotonic() < deadline:
                time.sleep(0.05)
            result.update({"webhook_deliveries": receiver.count,
                           "webhook_last_after_joins_s": round(max(receiver.last_at - joined_at, 0.0), 2)})
            receiver.close()
        emit_result(result)


if __name__ == "__main__":
    main()
