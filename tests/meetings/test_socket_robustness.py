"""The socket side under abuse: per-socket rate limits, oversized and malformed messages, idle
sockets, events from sockets in no meeting, and a seeded fuzz of every client event
(docs/PROTOCOL.md §1, §2 and §5; research §4.1-4.2; COMPATIBILITY.md "Malformed payloads")."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient

from handlers.socket.base import method_name
from handlers.socket.namespace import MeetingNamespace
from store.rooms.text import utf16_len
from tests.conftest import StartServer, eventually
from tests.meetings.socket_support import detail, error, join_as_host, new_meeting, seated_names
from tests.meetings.support import Bot, bots, quiet

CHAT_LIMITED = {"message": "Rate limited — too many messages", "code": "rate_limited"}
EVENTS_LIMITED = {"message": "Rate limited — too many events", "code": "rate_limited"}


def pid(bot: Bot) -> str:
    return str(bot.got("joined")[-1]["participantId"])


# -- rate limits (per socket, per event; research §4.2, base.py EVENT_LIMITS) -------------------

async def test_chat_is_limited_to_10_per_10s_with_an_error(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 3) as (spammer, reader, other):
        for bot, name in ((spammer, "Spammer"), (reader, "Reader"), (other, "Other")):
            await bot.join(meeting["id"], name)
        for i in range(12):
            await spammer.sio.emit("chat:message", {"text": f"m{i}"})
        await spammer.wait_for("error", 2)
        await other.sio.emit("chat:message", {"text": "a different socket is not limited"})
        await reader.wait_for("chat:message", 11)
        await quiet()
        assert spammer.got("error") == [CHAT_LIMITED, CHAT_LIMITED]  # exactly this payload, no "event"
        assert [m["text"] for m in reader.got("chat:message")] == [f"m{i}" for i in range(10)] + [
            "a different socket is not limited"]
        assert other.got("error") == []


async def test_react_raise_hand_chat_react_and_captions_are_dropped_silently(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (busy, reader):
        await busy.join(meeting["id"], "Busy")
        await reader.join(meeting["id"], "Reader")
        for i in range(7):
            await busy.sio.emit("react", {"emoji": "\U0001f44d"})
            await busy.sio.emit("raise-hand", {"isHandRaised": i % 2 == 0})
        for i in range(12):
            await busy.sio.emit("chat:react", {"msgId": f"m{i}", "emoji": "\U0001f44d"})
        for i in range(22):
            await busy.sio.emit("captions:update", {"text": f"c{i}"})
        await reader.wait_for("captions:update", 20)
        await quiet(0.3)
        assert len(reader.got("react")) == 5
        assert [u["isHandRaised"] for u in reader.got("participant:updated")] == [True, False, True, False, True]
        assert [r["msgId"] for r in reader.got("chat:react")] == [f"m{i}" for i in range(10)]
        assert [c["text"] for c in reader.got("captions:update")] == [f"c{i}" for i in range(20)]
        assert busy.got("error") == []


async def test_malformed_events_count_against_the_limit(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (busy, reader):
        await busy.join(meeting["id"], "Busy")
        await reader.join(meeting["id"], "Reader")
        for _ in range(5):
            await busy.sio.emit("react", {"emoji": "nope"})
        await busy.wait_for("error", 5)
        await busy.sio.emit("react", {"emoji": "\U0001f44d"})  # the 6th in 10 s: dropped silently
        await quiet()
        assert reader.got("react") == [] and len(busy.got("error")) == 5


async def test_other_events_have_a_default_limit_of_200_per_second(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (busy, reader):
        await busy.join(meeting["id"], "Busy")
        await reader.join(meeting["id"], "Reader")
        started = time.monotonic()
        for i in range(210):
            await busy.sio.emit("media:toggle-audio", {"isMuted": i % 2 == 0})
        assert time.monotonic() - started < 0.8, "too slow to test a 1 s window"
        await busy.wait_for("error", 10)
        await reader.wait_for("participant:updated", 200)
        await quiet()
        assert len(reader.got("participant:updated")) == 200
        assert busy.got("error") == [EVENTS_LIMITED] * 10
        await asyncio.sleep(1.05)  # the window slides: the socket may speak again
        await busy.sio.emit("media:toggle-audio", {"isMuted": True})
        assert (await reader.wait_for("participant:updated", 201))["isMuted"] is True


async def test_a_client_event_named_disconnect_is_not_a_disconnect(api: TestClient) -> None:
    """A forged ``disconnect`` must neither vacate the seat nor reset the rate-limit windows."""
    meeting = await new_meeting(api)
    async with bots(api, 2) as (sly, reader):
        await sly.join(meeting["id"], "Sly")
        await reader.join(meeting["id"], "Reader")
        for i in range(10):
            await sly.sio.emit("chat:message", {"text": f"m{i}"})
        await sly.sio.emit("disconnect", {"reason": "client namespace disconnect"})
        await sly.sio.emit("connect", {"REMOTE_ADDR": "1.2.3.4"})
        await sly.sio.emit("chat:message", {"text": "one too many"})
        assert await sly.wait_for("error") == CHAT_LIMITED
        await quiet()
        assert len(reader.got("chat:message")) == 10 and reader.got("participant:left") == []
        assert await seated_names(api, meeting) == ["Reader", "Sly"]


# -- message size -----------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_an_oversized_message_closes_only_that_connection(api: TestClient, transport: str) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (ann, bob):
        big = Bot()
        await big.sio.connect(str(api.make_url("/")), transports=[transport])
        try:
            big_joined = await big.join(meeting["id"], "Big")
            await ann.join(meeting["id"], "Ann")
            await bob.join(meeting["id"], "Bob")
            # Just under the 1 MB message limit, a signal is relayed whole ...
            offer = {"type": "offer", "sdp": "s" * 900_000}
            await big.sio.emit("signal:offer", {"to": pid(ann), "offer": offer})
            assert (await ann.wait_for("signal:offer"))["offer"] == offer
            # ... over it, the connection is closed and the meeting carries on without it.
            await big.sio.emit("chat:message", {"text": "x" * 1_100_000})
            left = await ann.wait_for("participant:left")
            assert left == {"participantId": big_joined["participantId"], "name": "Big"}
            await eventually(lambda: not big.sio.connected)
            await bob.sio.emit("chat:message", {"text": "still here"})
            assert (await ann.wait_for("chat:message"))["text"] == "still here"
            assert ann.got("chat:message") == bob.got("chat:message")  # the big one never arrived
            assert await seated_names(api, meeting) == ["Ann", "Bob"]
            assert (await api.get("/health")).status == 200
        finally:
            await big.close()


async def test_malformed_packets_do_not_hurt_the_connection_or_the_server(api: TestClient,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    """Raw Socket.IO packets no client library would send: bad JSON, nesting deeper than any
    decoder allows, events without a name or with a non-string one."""
    meeting = await new_meeting(api)
    async with bots(api, 2) as (raw, reader):
        await raw.join(meeting["id"], "Raw")
        await reader.join(meeting["id"], "Reader")
        packets = [
            '2["chat:message",' + "[" * 20_000 + "]" * 20_000 + "]",
            '2["chat:message",{"text":"unterminated"',
            "2[]", "2[null]", '2[5,{"text":"x"}]', '2[["chat:message"],{"text":"x"}]', '2{"text":"x"}', '2"str"',
            '2["chat:message",' + '{"a":' * 500 + "1" + "}" * 500 + "]",
        ]
        for packet in packets:
            await raw.sio.eio.send(packet)
        await raw.sio.emit("chat:message", {"text": "after the junk"})
        assert (await reader.wait_for("chat:message"))["text"] == "after the junk"
        await quiet()
        assert raw.sio.connected and len(reader.got("chat:message")) == 1
        assert (await api.get("/health")).status == 200
        # The library logs what it cannot decode; none of our code may have raised.
        for path in ("handlers/", "store/", "server/"):
            assert path not in caplog.text


# -- idle sockets and sockets in no meeting --------------------------------------------------------

async def test_idle_sockets_are_dropped_but_seated_and_queued_ones_stay(start_server: StartServer) -> None:
    api = await start_server(idle_socket_timeout_seconds=0.5)
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 5) as (idle, failed, leaver, host, waiter):
        started = time.monotonic()
        await idle.sio.emit("disconnect", {})  # a forged lifecycle event must not stop the clock
        await failed.refused("join-meeting", {"meetingId": "abc-defg-hij", "name": "Failed"})
        await join_as_host(host, meeting)
        await waiter.sio.emit("waiting-room:join", {"meetingId": meeting["id"], "name": "Waiter"})
        await waiter.wait_for("waiting-room:waiting")
        await leaver.join(meeting["id"], "Leaver", isAdmin=True, adminToken=meeting["adminToken"])
        await leaver.sio.emit("leave-meeting")  # outside again: its idle time starts now
        await host.wait_for("participant:left")

        await eventually(lambda: not idle.sio.connected and not failed.sio.connected, timeout=3)
        assert time.monotonic() - started >= 0.5
        await eventually(lambda: not leaver.sio.connected, timeout=3)
        await asyncio.sleep(max(0.0, started + 1.5 - time.monotonic()))
        assert host.sio.connected and waiter.sio.connected
        assert host.names().count("disconnect") == 0 and waiter.names().count("disconnect") == 0
        assert await seated_names(api, meeting) == ["Host"]


async def test_in_meeting_events_from_a_socket_in_no_meeting_fail_and_reach_nobody(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (member, outsider):
        member_joined = await member.join(meeting["id"], "Member")
        to = member_joined["participantId"]
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("signal:offer", {"to": to, "offer": {}}), ("signal:answer", {"to": to, "answer": {}}),
            ("signal:ice-candidate", {"to": to, "candidate": {}}), ("media:toggle-audio", {"isMuted": True}),
            ("media:toggle-video", {"isVideoOff": True}), ("media:screen-share", {"isScreenSharing": True}),
            ("raise-hand", {"isHandRaised": True}), ("react", {"emoji": "\U0001f44d"}),
            ("chat:message", {"text": "hello?"}), ("chat:react", {"msgId": "m", "emoji": "x"}),
            ("captions:update", {"text": "hi"}), ("recording:broadcast-started", {"hostName": "X"}),
            ("recording:broadcast-stopped", {}),
        ]
        for event, payload in attempts:
            refusal = await outsider.refused(event, payload)
            assert refusal == error("Participant not found", "participant_not_found", event)
        # Harmless events from nowhere are simply accepted.
        await outsider.sio.emit("media:mute", {"isMuted": True})
        await outsider.sio.emit("leave-meeting")
        await outsider.sio.emit("no-such-event", {"x": 1})
        await quiet()
        assert len(outsider.got("error")) == len(attempts)
        assert member.names() == ["joined"] and outsider.sio.connected


async def test_non_object_payloads_get_invalid_payload_and_acks_always_answer(api: TestClient) -> None:
    meeting = await new_meeting(api)
    async with bots(api, 2) as (bot, reader):
        await bot.join(meeting["id"], "Bot")
        await reader.join(meeting["id"], "Reader")
        invalid = error("Invalid payload: expected an object", "invalid_payload", "chat:message")
        for payload in (None, (None,), 5, "text", ["text"], True, b"\x00\xff"):
            assert await bot.refused("chat:message", payload) == invalid
        assert await bot.sio.call("chat:message", "text") == {
            "error": "Invalid payload: expected an object", "code": "invalid_payload"}
        assert await bot.sio.call("react", {"emoji": ":)"}) == {"error": "Unsupported reaction", "code": "validation_error"}
        assert await bot.sio.call("chat:message", {"text": "acked"}) is None
        assert await bot.sio.call("no-such-event", {}) is None
        # Without a payload, leaving is fine; so is stopping a recording nobody started.
        assert await bot.sio.call("recording:broadcast-stopped") is None
        assert await bot.sio.call("leave-meeting") is None
        assert (await reader.wait_for("chat:message"))["text"] == "acked"
        assert (await reader.wait_for("participant:left"))["name"] == "Bot"


# -- fuzz -------------------------------------------------------------------------------------------

# Every client event the server handles (research §4.10, plus Slice's leave-meeting and the page's
# media:mute), with the fields each one reads; "connect" and "disconnect" are forged on purpose.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "join-meeting": ("meetingId", "name", "isAdmin", "adminToken", "invite", "inviteToken"),
    "leave-meeting": (),
    "waiting-room:join": ("meetingId", "name"),
    "waiting-room:admit": ("meetingId", "socketId"),
    "waiting-room:deny": ("meetingId", "socketId"),
    "signal:offer": ("to", "offer"),
    "signal:answer": ("to", "answer"),
    "signal:ice-candidate": ("to", "candidate"),
    "sfu:offer": ("sdp", "sources"),
    "sfu:answer": ("sdp",),
    "sfu:ice-candidate": ("candidate",),
    "media:toggle-audio": ("isMuted",),
    "media:toggle-video": ("isVideoOff",),
    "media:screen-share": ("isScreenSharing",),
    "media:mute": ("isMuted",),
    "raise-hand": ("isHandRaised",),
    "react": ("emoji",),
    "chat:message": ("text", "replyTo"),
    "chat:react": ("msgId", "emoji"),
    "captions:update": ("pid", "text", "final"),
    "recording:broadcast-started": ("hostName",),
    "recording:broadcast-stopped": (),
    "recording:start": ("hostName",),
    "recording:stop": (),
    "poll:create": ("question", "options"),
    "poll:vote": ("pollId", "optionId"),
    "poll:end": ("pollId",),
    "qa:ask": ("text",),
    "qa:upvote": ("questionId",),
    "qa:answer": ("questionId", "answer"),
    "qa:dismiss": ("questionId",),
    "notes:update": ("content",),
    "breakout:create": ("rooms",),
    "breakout:assign": ("assignments",),
    "breakout:join": ("roomId",),
    "breakout:leave": (),
    "breakout:broadcast": ("message",),
    "breakout:close": (),
    "stream:start": ("url",),
    "stream:stop": (),
    "connect": ("REMOTE_ADDR",),
    "disconnect": ("reason",),
}
ATOMS: list[Any] = [
    None, True, False, 0, -1, 2**53 + 1, -1e308, 1.5, "", " ", "x", "\t\n", "\x00", "\ud800", "a\udfffb",
    "\U0001f600" * 3, "\u2764\ufe0f", "\U0001f44d", "<script>", "br-0", "opt_0", "q-1", [], {}, [None, 1, "a"],
]


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def junk(rng: random.Random, known: list[Any], fields: tuple[str, ...], depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 2 or roll < 0.55:
        return rng.choice(ATOMS + known)
    if roll < 0.7:
        return [junk(rng, known, fields, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.9:
        keys = [*fields, "participantId", "roomId", "id", "x"]
        return {rng.choice(keys): junk(rng, known, fields, depth + 1) for _ in range(rng.randint(0, 4))}
    # Big, but a whole payload stays under the 1 MB message limit (an emoji is 12 bytes as JSON).
    return rng.choice(["h" * 100_000, "\U0001f600" * 8_000, deep(200)])


def templates(meeting: dict[str, Any], target_pid: str, target_sid: str) -> dict[str, dict[str, Any]]:
    """A valid payload per event: the fuzz spoils one field at a time, to get past the first check."""
    mid = meeting["id"]
    return {
        "join-meeting": {"meetingId": mid, "name": "Fuzz", "isAdmin": True, "adminToken": meeting["adminToken"]},
        "waiting-room:join": {"meetingId": mid, "name": "Fuzz"},
        "waiting-room:admit": {"meetingId": mid, "socketId": target_sid},
        "waiting-room:deny": {"meetingId": mid, "socketId": target_sid},
        "signal:offer": {"to": target_pid, "offer": {"type": "offer", "sdp": "v=0"}},
        "signal:answer": {"to": target_pid, "answer": {"type": "answer", "sdp": "v=0"}},
        "signal:ice-candidate": {"to": target_pid, "candidate": {"candidate": "c", "sdpMid": "0"}},
        "media:toggle-audio": {"isMuted": True}, "media:toggle-video": {"isVideoOff": True},
        "media:screen-share": {"isScreenSharing": True}, "raise-hand": {"isHandRaised": True},
        "react": {"emoji": "\U0001f44d"}, "chat:message": {"text": "hi", "replyTo": "m-1"},
        "chat:react": {"msgId": "m-1", "emoji": "\U0001f44d"}, "captions:update": {"text": "t", "final": True},
        "recording:broadcast-started": {"hostName": "Rec"},
        "poll:create": {"question": "Q?", "options": ["a", "b"]}, "poll:vote": {"pollId": "p", "optionId": "opt_0"},
        "qa:ask": {"text": "why?"}, "qa:answer": {"questionId": "q", "answer": "because"},
        "notes:update": {"content": "notes"}, "breakout:create": {"rooms": ["A", "B"]},
        "breakout:assign": {"assignments": [{"participantId": target_pid, "roomId": "br-0"}]},
        "breakout:join": {"roomId": "br-0"}, "breakout:broadcast": {"message": "hello rooms"},
        "stream:start": {"url": "rtmp://example.com/live"},
    }


def payloads(rng: random.Random, known: list[Any], fields: tuple[str, ...], valid: dict[str, Any]) -> list[Any]:
    """``None`` means "no payload"; a tuple is several arguments (``(None,)`` is an explicit null)."""
    fixed: list[Any] = [None, (None,), 7, "just a string", [1, "two"], ("a", {"b": 1}), deep(300), "s" * 300_000]
    shaped = [{f: junk(rng, known, fields) for f in fields if rng.random() < 0.8} for _ in range(5)]
    spoiled = [{**valid, rng.choice([*fields, "x"]): junk(rng, known, fields)} for _ in range(5)]
    return fixed + shaped + spoiled


def test_the_fuzz_covers_every_handled_event() -> None:
    handled = {name for name in dir(MeetingNamespace) if name.startswith("on_")}
    assert handled <= {method_name(event) for event in EVENT_FIELDS}, "add the new events to EVENT_FIELDS"


async def test_fuzz_every_event_then_the_server_still_serves(api: TestClient,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    rng = random.Random(20260401)
    meeting = await new_meeting(api)
    async with bots(api, 5) as (host, watcher, guest_fuzzer, admin_fuzzer, outsider):
        await join_as_host(host, meeting)
        await watcher.join(meeting["id"], "Watcher")
        known: list[Any] = [meeting["id"], meeting["adminToken"], pid(host), pid(watcher)]
        known += [bot.sio.get_sid() for bot in (host, watcher, guest_fuzzer, outsider)]
        valid = templates(meeting, pid(watcher), outsider.sio.get_sid())
        started = time.monotonic()
        for event, fields in EVENT_FIELDS.items():
            await guest_fuzzer.join(meeting["id"], "Guest Fuzzer")
            await admin_fuzzer.join(meeting["id"], "Admin Fuzzer", isAdmin=True, adminToken=meeting["adminToken"])
            await outsider.sio.emit("leave-meeting")
            for payload in payloads(rng, known + [pid(guest_fuzzer), pid(admin_fuzzer)], fields, valid.get(event, {})):
                for bot in (guest_fuzzer, admin_fuzzer, outsider):
                    await bot.sio.emit(event, payload)
            answer = await guest_fuzzer.sio.call(event, {f: junk(rng, known, fields) for f in fields}, timeout=5)
            assert answer is None or (set(answer) == {"error", "code"} and answer["code"] != "internal"), answer
        assert time.monotonic() - started < 8, "the fuzz grew too slow"
        await quiet(0.5)

        for bot in (host, watcher, guest_fuzzer, admin_fuzzer, outsider):
            assert bot.sio.connected, "a bad payload closed a connection"
            assert [e for e in bot.got("error") if e.get("code") == "internal"] == []
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

        # The server still serves: a fresh pair joins and chats, health is fine, state is sane.
        async with bots(api, 2) as (fresh, friend):
            await fresh.join(meeting["id"], "Fresh")
            await friend.join(meeting["id"], "Friend")
            await fresh.sio.emit("chat:message", {"text": "after the storm"})
            assert (await friend.wait_for("chat:message"))["text"] == "after the storm"
            assert (await api.get("/health")).status == 200
            body = await detail(api, meeting)
            names = [p["name"] for p in body["participants"]]
            assert {"Host", "Watcher", "Fresh", "Friend"} <= set(names)
            assert len({p["participantId"] for p in body["participants"]}) == len(names) <= 7
            for p in body["participants"]:
                assert 1 <= utf16_len(p["name"]) <= 60 and p["name"] == p["name"].strip()
                p["name"].encode("utf-8")  # no lone surrogate survives
                assert all(isinstance(p[k], bool) for k in ("isMuted", "isVideoOff", "isScreenSharing"))
        # Ending the meeting persists and bills it: nothing the fuzz stored may break that.
        resp = await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        assert resp.status == 200, await resp.text()
        assert await watcher.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_polling_clients_survive_bad_payloads_too(api: TestClient) -> None:
    meeting = await new_meeting(api)
    client = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    client.on("error", errors.append)
    await client.connect(str(api.make_url("/")), transports=["polling"])
    try:
        for payload in (None, (None,), 3, "x", [1], {"meetingId": ["x"]}, {"meetingId": meeting["id"], "name": {}}):
            await client.emit("join-meeting", payload)
        await eventually(lambda: len(errors) >= 6)
        assert client.connected
        assert await seated_names(api, meeting) == ["Anonymous"]  # the last one joined, nameless
    finally:
        # abort: python-engineio answers a polling client's pending GET only at its ping timeout,
        # so a polite close would wait ~30 s here.
        await client.eio.disconnect(abort=True)


async def test_lone_surrogates_in_names_do_not_break_saving_or_ending(api: TestClient,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """JSON can carry "\\ud800"; no UTF-8 store can take it. Names are saved with the meeting's
    attendance, so a lone surrogate once failed every later save and the meeting's end (500)."""
    caplog.set_level(logging.ERROR)
    meeting = await new_meeting(api, waitingRoom=True)
    async with bots(api, 3) as (host, waiter, guest):
        await join_as_host(host, meeting, "Host\udfff")
        await waiter.sio.emit("waiting-room:join", {"meetingId": meeting["id"], "name": "Wait\ud800er"})
        announced = await host.wait_for("waiting-room:participant-waiting")
        assert announced["name"] == "Wait\ufffder"
        await host.sio.emit("waiting-room:admit", {"meetingId": meeting["id"], "socketId": waiter.sio.get_sid()})
        await waiter.wait_for("waiting-room:admitted")
        await waiter.join(meeting["id"], "\ud83d")
        await host.sio.emit("recording:broadcast-started", {"hostName": "\udc00Rec"})
        assert await waiter.wait_for("recording:started") == {"hostName": "\ufffdRec"}
        assert await seated_names(api, meeting) == ["Host\ufffd", "\ufffd"]
        await asyncio.sleep(0.4)  # let the write-behind save the meeting
        resp = await api.post(f"/api/meetings/{meeting['id']}/participants/{pid(waiter)}/kick",
                              json={"reason": "bye\ud800"}, headers=meeting["admin"])
        assert resp.status in (200, 400), await resp.text()
        resp = await api.delete(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
        assert resp.status == 200, await resp.text()
        await guest.join((await new_meeting(api))["id"], "Still fine")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
