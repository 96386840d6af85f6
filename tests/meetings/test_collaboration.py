"""Polls, Q&A, notes, breakout rooms and streaming over real Socket.IO clients (docs/PROTOCOL.md §7)."""
from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.meetings.support import Bot, bots, quiet

NOT_HOST = {"message": "Only the host can do that", "code": "not_host"}
COLLAB_EVENTS = {
    "poll:created", "poll:updated", "poll:ended", "qa:new", "qa:updated", "notes:updated", "breakout:created",
    "breakout:updated", "breakout:assigned", "breakout:participant-joined", "breakout:participant-left",
    "breakout:message", "breakout:closed", "breakout:all-closed", "stream:started", "stream:stopped",
}


async def seat(api: TestClient, group: list[Bot], *names: str) -> dict[str, str]:
    """A guest meeting; the first bot joins as host ("Host"), the others as ``names``. Returns participant ids."""
    resp = await api.post("/api/meetings/guest", json={"title": "Collab"})
    created = await resp.json()
    assert resp.status == 201, created
    host, *others = group
    joined = await host.join(created["meetingId"], "Host", isAdmin=True, adminToken=created["adminToken"])
    ids = {"Host": joined["participantId"]}
    for bot, name in zip(others, names, strict=True):
        ids[name] = (await bot.join(created["meetingId"], name))["participantId"]
    return ids


async def ask(bot: Bot, event: str, payload: Any = None) -> Any:
    """Emit with an acknowledgement: None on success, ``{error, code}`` on failure."""
    return await bot.sio.call(event, payload, timeout=5)


def collab_names(bot: Bot) -> list[str]:
    return [name for name in bot.names() if name in COLLAB_EVENTS]


async def test_polls(api: TestClient) -> None:
    async with bots(api, 3) as group:
        host, ann, bob = group
        await seat(api, group, "Ann", "Bob")
        assert await ask(ann, "poll:create", {"question": "Lunch?", "options": ["a", "b"]}) == {
            "error": NOT_HOST["message"], "code": "not_host"}
        assert ann.got("error")[-1] == {**NOT_HOST, "event": "poll:create"}

        assert await ask(host, "poll:create", {"question": " Lunch? ", "options": ["Pizza", "Sushi"]}) is None
        created = await bob.wait_for("poll:created")
        assert created == {"id": created["id"], "question": "Lunch?", "isActive": True,
                           "options": [{"id": "opt_0", "text": "Pizza"}, {"id": "opt_1", "text": "Sushi"}]}
        assert await host.wait_for("poll:created") == created == await ann.wait_for("poll:created")

        pid = created["id"]
        for bot, option in ((ann, "opt_1"), (bob, "opt_1"), (ann, "opt_0")):  # Ann changes her mind
            assert await ask(bot, "poll:vote", {"pollId": pid, "optionId": option}) is None
        third = await host.wait_for("poll:updated", 3)
        assert third == {"pollId": pid, "totalVotes": 2, "results": [
            {"id": "opt_0", "text": "Pizza", "count": 1}, {"id": "opt_1", "text": "Sushi", "count": 1}]}

        assert (await ask(bob, "poll:end", {"pollId": pid}))["code"] == "not_host"
        assert await ask(host, "poll:end", {"pollId": pid}) is None
        ended = await ann.wait_for("poll:ended")
        assert ended == {**third} and await bob.wait_for("poll:ended") == ended
        assert await ask(bob, "poll:vote", {"pollId": pid, "optionId": "opt_0"}) == {
            "error": "Poll is closed", "code": "poll_closed"}
        await quiet()
        assert collab_names(bob) == ["poll:created", "poll:updated", "poll:updated", "poll:updated", "poll:ended"]


async def test_questions_and_notes(api: TestClient) -> None:
    async with bots(api, 3) as group:
        host, ann, bob = group
        ids = await seat(api, group, "Ann", "Bob")
        assert await ask(ann, "qa:ask", {"text": "  Why?  "}) is None
        new = await bob.wait_for("qa:new")
        assert new == {"id": new["id"], "text": "Why?", "askedBy": {"participantId": ids["Ann"], "name": "Ann"},
                       "upvoteCount": 0, "isAnswered": False, "createdAt": new["createdAt"]}
        assert await ann.wait_for("qa:new") == new == await host.wait_for("qa:new")
        qid = new["id"]

        await ask(bob, "qa:upvote", {"questionId": qid})
        await ask(bob, "qa:upvote", {"questionId": qid})
        assert await ann.wait_for("qa:updated", 2) == {"questionId": qid, "upvoteCount": 0}
        assert ann.got("qa:updated")[0] == {"questionId": qid, "upvoteCount": 1}

        assert (await ask(ann, "qa:answer", {"questionId": qid, "answer": "Me"}))["code"] == "not_host"
        assert (await ask(ann, "qa:dismiss", {"questionId": qid}))["code"] == "not_host"
        await ask(host, "qa:answer", {"questionId": qid, "answer": "Because."})
        await ask(host, "qa:dismiss", {"questionId": qid})
        assert await bob.wait_for("qa:updated", 4) == {"questionId": qid, "dismissed": True}
        assert bob.got("qa:updated")[2] == {"questionId": qid, "isAnswered": True, "answer": "Because.",
                                            "answeredBy": "Host"}

        assert (await ask(ann, "notes:update", {"content": "mine"}))["code"] == "not_host"
        assert await ask(host, "notes:update", {"content": "Agenda\n1. Q&A"}) is None
        expected = {"content": "Agenda\n1. Q&A", "lastUpdatedBy": "Host"}
        assert await ann.wait_for("notes:updated") == expected == await bob.wait_for("notes:updated")
        await quiet()
        assert host.got("notes:updated") == [] and len(ann.got("notes:updated")) == 1


async def breakout_setup(api: TestClient, group: list[Bot]) -> dict[str, str]:
    """Host in the main room; Ann and Bob in "Red" (br-0), Cat in "Blue" (br-1), each joined as the page does."""
    host, ann, bob, cat = group
    ids = await seat(api, group, "Ann", "Bob", "Cat")
    assert (await ask(ann, "breakout:create", {"rooms": ["x"]}))["code"] == "not_host"
    await ask(host, "breakout:create", {"rooms": ["Red", "Blue"]})
    assert await cat.wait_for("breakout:created") == {"rooms": [
        {"id": "br-0", "name": "Red", "participantCount": 0}, {"id": "br-1", "name": "Blue", "participantCount": 0}]}
    assignments = [{"participantId": ids["Ann"], "roomId": "br-0"}, None, {"participantId": "nobody", "roomId": "br-0"},
                   {"participantId": ids["Bob"], "roomId": "br-0"}, {"participantId": ids["Cat"], "roomId": "br-1"},
                   {"participantId": ids["Cat"], "roomId": "br-9"}]
    assert await ask(host, "breakout:assign", {"assignments": assignments}) is None
    assert await ann.wait_for("breakout:assigned") == {"roomId": "br-0", "roomName": "Red"}
    assert await cat.wait_for("breakout:assigned") == {"roomId": "br-1", "roomName": "Blue"}
    roster = await host.wait_for("breakout:updated")
    assert roster == {"rooms": [
        {"id": "br-0", "name": "Red", "participantCount": 2,
         "participants": [{"id": ids["Ann"], "name": "Ann"}, {"id": ids["Bob"], "name": "Bob"}]},
        {"id": "br-1", "name": "Blue", "participantCount": 1, "participants": [{"id": ids["Cat"], "name": "Cat"}]}]}
    for bot, room in ((ann, "br-0"), (bob, "br-0"), (cat, "br-1")):
        await ask(bot, "breakout:join", {"roomId": room})
    return ids


async def offers(sender: Bot, ids: dict[str, str], *names: str) -> None:
    for name in names:
        assert await ask(sender, "signal:offer", {"to": ids[name], "offer": {"sdp": "x"}}) is None


def offers_from(bot: Bot) -> list[str]:
    return [payload["from"] for payload in bot.got("signal:offer")]


async def test_breakout_signalling_and_media_isolation(api: TestClient) -> None:
    async with bots(api, 4) as group:
        host, ann, bob, cat = group
        ids = await breakout_setup(api, group)
        assert await bob.wait_for("breakout:participant-joined") == {"participantId": ids["Ann"], "roomId": "br-0"}
        assert host.got("breakout:assigned") == [] and bob.got("breakout:assigned") == [
            {"roomId": "br-0", "roomName": "Red"}]
        await offers(ann, ids, "Bob", "Cat", "Host")
        await offers(host, ids, "Ann", "Cat")
        await offers(cat, ids, "Bob")
        await bob.wait_for("signal:offer")
        await ask(ann, "media:toggle-audio", {"isMuted": True})
        await ask(host, "media:toggle-video", {"isVideoOff": True})
        await bob.wait_for("participant:updated", 2)
        await quiet()
        assert offers_from(bob) == [ids["Ann"]]
        assert offers_from(cat) == offers_from(host) == offers_from(ann) == []
        assert bob.got("participant:updated") == [{"participantId": ids["Ann"], "isMuted": True},
                                                  {"participantId": ids["Host"], "isVideoOff": True}]
        assert cat.got("participant:updated") == [{"participantId": ids["Host"], "isVideoOff": True}]
        assert host.got("participant:updated") == [] and ann.got("participant:updated") == [
            {"participantId": ids["Host"], "isVideoOff": True}]


async def test_breakout_join_leave_broadcast_close(api: TestClient) -> None:
    async with bots(api, 4) as group:
        host, ann, bob, cat = group
        ids = await breakout_setup(api, group)
        await ask(cat, "breakout:join", {"roomId": "br-0"})  # Cat walks over to Red
        assert await ann.wait_for("breakout:participant-joined", 2) == {"participantId": ids["Cat"], "roomId": "br-0"}
        await offers(cat, ids, "Ann")
        assert (await ann.wait_for("signal:offer"))["from"] == ids["Cat"]

        assert await ask(host, "breakout:broadcast", {"message": "  Five minutes left  "}) is None
        message = await cat.wait_for("breakout:message")
        assert message == {"from": "Host", "text": "Five minutes left", "timestamp": message["timestamp"]}
        assert (await ask(ann, "breakout:broadcast", {"message": "hi"}))["code"] == "not_host"

        await ask(ann, "breakout:leave")  # back to the main room: the host can reach her, Bob cannot
        assert await bob.wait_for("breakout:participant-left") == {"participantId": ids["Ann"]}
        await offers(host, ids, "Ann")
        await offers(bob, ids, "Ann")
        assert [p["from"] for p in await _offers(ann, 2)] == [ids["Cat"], ids["Host"]]

        await bob.sio.disconnect()  # leaving the meeting leaves the breakout room
        assert await cat.wait_for("breakout:participant-left", 2) == {"participantId": ids["Bob"]}
        assert cat.got("breakout:participant-left")[0] == {"participantId": ids["Ann"]}

        assert (await ask(cat, "breakout:close"))["code"] == "not_host"
        assert await ask(host, "breakout:close") is None
        await cat.wait_for("breakout:closed")
        for bot in (host, ann, cat):
            assert await bot.wait_for("breakout:all-closed") is None
        await offers(cat, ids, "Host")
        await host.wait_for("signal:offer")
        assert await ask(host, "breakout:broadcast", {"message": "hi"}) == {
            "error": "No breakout rooms are open", "code": "breakout_not_found"}
        await quiet()
        assert ann.got("breakout:closed") == [] and host.got("breakout:message") == []
        assert len(ann.got("signal:offer")) == 2 and len(cat.got("breakout:message")) == 1


async def _offers(bot: Bot, count: int) -> list[dict[str, Any]]:
    await bot.wait_for("signal:offer", count)
    return list(bot.got("signal:offer"))


async def test_stream_flag(api: TestClient) -> None:
    async with bots(api, 2) as group:
        host, ann = group
        await seat(api, group, "Ann")
        assert (await ask(ann, "stream:start", {"url": "rtmp://x"}))["code"] == "not_host"
        assert await ask(host, "stream:start", {"url": " rtmp://live.example/key "}) is None
        assert await ann.wait_for("stream:started") == {"hostName": "Host"} == await host.wait_for("stream:started")
        assert await ask(host, "stream:start", {"url": "rtmp://other"}) == {
            "error": "Stream already active", "code": "stream_active"}
        assert (await ask(ann, "stream:start", {"url": "rtmp://other"}))["code"] == "not_host"
        assert (await ask(ann, "stream:stop"))["code"] == "not_host"
        await ask(host, "stream:stop")
        assert await ann.wait_for("stream:stopped") is None
        await ask(host, "stream:start", {"url": "rtmp://again"})
        await ann.wait_for("stream:started", 2)
        await host.sio.disconnect()  # the streamer leaves: the stream stops
        await ann.wait_for("stream:stopped", 2)
        assert "rtmp" not in repr(ann.events)


MALFORMED: list[tuple[str, Any, str | None]] = [
    ("poll:create", None, "invalid_payload"),
    ("poll:create", "Lunch?", "invalid_payload"),
    ("poll:create", ["Lunch?", ["a", "b"]], "invalid_payload"),
    ("poll:create", {"question": {"$gt": ""}, "options": ["a", "b"]}, "validation_error"),
    ("poll:create", {"question": "Q", "options": [None, None]}, "validation_error"),
    ("poll:create", {"question": "Q", "options": "ab"}, "validation_error"),
    ("poll:vote", {}, "poll_not_found"),
    ("poll:vote", {"pollId": ["x"], "optionId": {}}, "poll_not_found"),
    ("poll:end", {"pollId": None}, "poll_not_found"),
    ("qa:ask", None, "invalid_payload"),
    ("qa:ask", {"text": 5}, "validation_error"),
    ("qa:upvote", {"questionId": {}}, "question_not_found"),
    ("qa:answer", {"questionId": "x", "answer": 42}, "validation_error"),
    ("qa:dismiss", {}, "question_not_found"),
    ("notes:update", {"content": None}, "validation_error"),
    ("notes:update", {"content": ["a"]}, "validation_error"),
    ("breakout:create", {"rooms": None}, "validation_error"),
    ("breakout:create", {"rooms": "Room 1"}, "validation_error"),
    ("breakout:create", {"rooms": [None] * 21}, "validation_error"),
    ("breakout:assign", {"assignments": [None]}, "breakout_not_found"),
    ("breakout:join", {"roomId": 5}, "breakout_not_found"),
    ("breakout:broadcast", {"message": 5}, "breakout_not_found"),
    ("breakout:close", None, "breakout_not_found"),
    ("breakout:leave", None, None),
    ("stream:start", None, "invalid_payload"),
    ("stream:start", {"url": 5}, "validation_error"),
    ("stream:stop", "now", "invalid_payload"),
    ("stream:stop", None, None),
    ("signal:offer", {"to": None, "offer": {}}, "participant_not_found"),
]


async def test_malformed_payloads_change_nothing(api: TestClient) -> None:
    async with bots(api, 2) as group:
        host, ann = group
        await seat(api, group, "Ann")
        for event, payload, code in MALFORMED:
            answer = await ask(host, event, payload)
            assert (answer or {}).get("code") == code, (event, payload, answer)
        await ask(host, "breakout:create", {"rooms": ["Red"]})
        assert (await ask(host, "breakout:assign", {"assignments": "everyone"}))["code"] == "validation_error"
        assert await ask(host, "breakout:assign", {"assignments": [None, 3, [], {"participantId": 1}]}) is None
        assert await ask(host, "poll:create", {"question": "Still alive?", "options": ["yes", "no"]}) is None
        assert (await ann.wait_for("poll:created"))["question"] == "Still alive?"
        await quiet()
        assert collab_names(ann) == ["breakout:created", "breakout:updated", "poll:created"]
        assert ann.got("breakout:assigned") == [] and ann.got("error") == []
