"""The live statistics area of the OpenAPI document: KCS's per-meeting media figures."""
from __future__ import annotations

from typing import Any

from handlers.http.openapi import (
    MEMBER,
    MEMBER_ERRORS,
    MEMBER_NOTE,
    Schema,
    answer,
    closed,
    error,
    integer,
    nullable,
    operation,
    param,
    ref,
    string,
)

TAG_NAME = "live stats"
TAG = {"name": TAG_NAME, "description": """\
A running meeting's media, measured by the SFU (KCS's "Get Live Meeting Statistics", with KCS's
field names and without its `{success, data}` wrapper). Only an `sfu` meeting's media passes
through the server (`settings.mediaMode`); a `mesh` meeting answers with its participants, zero
media and null quality figures. Rates are measured between two calls (a call less than a second
after the previous one is measured against an earlier one; the first from the first frame):
poll every few seconds, as KCS suggests (5 s)."""}


def number(description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "number", **keywords}
    if description:
        schema["description"] = description
    return schema


def in_out(unit: str) -> Schema:
    return closed({"incoming": number(f"{unit} the server receives from publishers.", minimum=0),
                   "outgoing": number(f"{unit} the server sends to subscribers.", minimum=0)})


SCHEMAS: dict[str, Schema] = {
    "LiveStats": closed({
        "meeting_id": ref("MeetingId"),
        "timestamp": ref("Timestamp"),
        "media_mode": string("The meeting's `settings.mediaMode`.", enum=["mesh", "sfu"]),
        "active_participants": integer("Participants seated in the meeting (any media mode).", minimum=0),
        "media_participants": integer("Participants with a media connection to the SFU.", minimum=0),
        "publishers": integer("Participants sending at least one track.", minimum=0),
        "producers": integer("Tracks received from publishers (microphone, camera, screen, screen audio).",
                             minimum=0),
        "producers_by_kind": closed({"audio": integer(minimum=0), "video": integer(minimum=0),
                                     "screen": integer(minimum=0)}),
        "consumers": integer("Tracks forwarded to subscribers: each producer once per other media participant.",
                             minimum=0),
        "bitrate": in_out("Bits per second of encoded media"),
        "packet_rate": in_out("RTP packets per second"),
        "quality_stats": closed({
            "average_rtt": nullable(number("Milliseconds: mean round-trip time to subscribers, from their RTCP "
                                           "receiver reports.", minimum=0)),
            "packet_loss_rate": nullable(number("0..1: packets lost over packets expected since the previous "
                                                "call, both from publishers and to subscribers.",
                                                minimum=0, maximum=1)),
            "jitter": nullable(number("Milliseconds: mean RTP interarrival jitter, of the streams the server "
                                      "receives and of those subscribers report.", minimum=0)),
        }),
        "window_seconds": number("The interval the rates were measured over (0: no media).", minimum=0),
    }),
}
BODIES: dict[str, Schema] = {}

MEDIA_503 = error("The media server did not answer (`media_unavailable`, `media_error`), or the database is "
                  "down (`database_unavailable`).", "media_unavailable", "media_error", "database_unavailable")


def paths() -> dict[str, Schema]:
    return {
        "/api/meetings/{meetingId}/live-stats": {"get": operation(
            "Live media statistics", f"Publishers, producers, consumers, bitrates and packet rates in and out, "
            f"round-trip time, loss and jitter of a running meeting.\n\n{MEMBER_NOTE}",
            tag=TAG_NAME, security=MEMBER, bucket="api", parameters=[param("MeetingId")], database=False,
            responses={
                **MEMBER_ERRORS,
                "200": answer("The figures.", ref("LiveStats"), example={
                    "meeting_id": "a1b-2c3d-4e5", "timestamp": "2026-12-02T10:30:00.000Z", "media_mode": "sfu",
                    "active_participants": 3, "media_participants": 3, "publishers": 3, "producers": 6,
                    "producers_by_kind": {"audio": 3, "video": 3, "screen": 0}, "consumers": 12,
                    "bitrate": {"incoming": 2600000, "outgoing": 5200000},
                    "packet_rate": {"incoming": 480.0, "outgoing": 960.0},
                    "quality_stats": {"average_rtt": 2.1, "packet_loss_rate": 0.0, "jitter": 3.4},
                    "window_seconds": 5.0}),
                "503": MEDIA_503,
            })},
    }
