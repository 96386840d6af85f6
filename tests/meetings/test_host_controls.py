"""Host controls over REST and what sockets see (document "Participant Controls", research §3.6, §4.10,
docs/PROTOCOL.md §4): mute, unmute, kick, mute-all."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.meetings.support import Bot, account, bots, create_meeting, quiet

NO_KEY = "Invalid or missing API key"


@dataclass
class Room:
    meeting: dict[str, Any]
    host: Bot
    alice: Bot
    bob: Bot
    ids: dict[str, str]  # name -> participantId

    @property
    def id(self) -> str:
        return str(self.meeting["meetingId"])

    @property
    def admin(self) -> dict[str, str]:
        return dict(self.meeting["admin"])

    def url(self, tail: str) -> str:
        return f"/api/meetings/{self.id}{tail}"

    def everyone(self) -> tuple[Bot, Bot, Bot]:
        return self.host, self.alice, self.bob


@asynccontextmanager
async def room(api: TestClient, **fields: Any) -> AsyncIterator[Room]:
    """A keyed meeting with a host and two guests seated (Alice, Bob), each having seen the others arrive."""
    owner = await account(api)
    api.session.cookie_jar.clear()  # act through the key alone
    meeting = await create_meeting(api, owner["key"], title="Controls", **fields)
    async with bots(api, 3) as (host, alice, bob):
        ids = {"Host": (await host.join(meeting["meetingId"], "Host", isAdmin=True,
                                        adminToken=meeting["adminToken"]))["participantId"]}
        ids["Alice"] = (await alice.join(meeting["meetingId"], "Alice"))["participantId"]
        ids["Bob"] = (await bob.join(meeting["meetingId"], "Bob"))["participantId"]
        await host.wait_for("participant:joined", 2)
        await alice.wait_for("participant:joined", 1)
        yield Room(meeting, host, alice, bob, ids)


async def error_of(resp: ClientResponse) -> tuple[int, str]:
    return resp.status, (await resp.json())["error"]


async def participants(api: TestClient, r: Room) -> dict[str, dict[str, Any]]:
    body = await (await api.get(r.url(""), headers=r.admin)).json()
    return {p["name"]: p for p in body["participants"]}


async def test_mute_and_unmute_one_participant(api: TestClient) -> None:
    async with room(api) as r:
        alice_id = r.ids["Alice"]
        resp = await api.post(r.url(f"/participants/{alice_id}/mute"), headers=r.admin)
        assert resp.status == 200 and await resp.json() == {"message": "Alice muted"}
        assert await r.alice.wait_for("admin:mute") is None  # sent with no payload
        for bot in r.everyone():  # the whole room, the target included
            assert await bot.wait_for("participant:updated") == {"participantId": alice_id, "isMuted": True}
        state = await participants(api, r)
        assert (state["Alice"]["isMuted"], state["Bob"]["isMuted"], state["Host"]["isMuted"]) == (True, False, False)

        resp = await api.post(r.url(f"/participants/{alice_id}/unmute"), headers=r.admin)
        assert resp.status == 200 and await resp.json() == {"message": "Alice unmuted"}
        assert await r.alice.wait_for("admin:unmute") is None
        for bot in r.everyone():
            assert await bot.wait_for("participant:updated", 2) == {"participantId": alice_id, "isMuted": False}
        assert (await participants(api, r))["Alice"]["isMuted"] is False
        await quiet()
        for bot in (r.host, r.bob):
            assert not bot.got("admin:mute") and not bot.got("admin:unmute")
        assert len(r.alice.got("admin:mute")) == 1 and len(r.alice.got("participant:updated")) == 2


async def test_mute_refusals_change_nothing(api: TestClient) -> None:
    async with room(api) as r:
        other = await create_meeting(api, {"x-api-key": (await account(api))["apiKey"]})
        api.session.cookie_jar.clear()
        alice = r.ids["Alice"]
        cases = [
            (r.url("/participants/no-such-id/mute"), r.admin, 404, "Participant not found"),
            (r.url("/participants/no-such-id/unmute"), r.admin, 404, "Participant not found"),
            (r.url(f"/participants/{alice}/mute"), {}, 403, "Admin token required"),
            (r.url(f"/participants/{alice}/mute"), {"x-admin-token": "guess"}, 403, "Admin token required"),
            (r.url(f"/participants/{alice}/mute"), {"x-admin-token": other["adminToken"]}, 403,
             "Admin token required"),
            (r.url(f"/participants/{alice}/mute"), {"x-api-key": "mk_bad", "x-admin-token": r.meeting["adminToken"]},
             401, NO_KEY),
            (r.url(f"/participants/{alice}/unmute"), {"x-admin-token": ""}, 403, "Admin token required"),
            (f"/api/meetings/000-0000-000/participants/{alice}/mute", r.admin, 404, "Meeting not found"),
            # A participant of this meeting, addressed through another meeting (with that meeting's token).
            (f"/api/meetings/{other['meetingId']}/participants/{alice}/mute", other["admin"], 404,
             "Participant not found"),
        ]
        for url, headers, status, message in cases:
            assert await error_of(await api.post(url, headers=headers)) == (status, message), (url, headers)
        await quiet()
        for bot in r.everyone():
            assert not bot.got("admin:mute") and not bot.got("admin:unmute") and not bot.got("participant:updated")
        assert not any(p["isMuted"] for p in (await participants(api, r)).values())


async def test_kick(api: TestClient) -> None:
    async with room(api) as r:
        alice_id = r.ids["Alice"]
        resp = await api.post(r.url(f"/participants/{alice_id}/kick"), json={"reason": "  Be nice  "}, headers=r.admin)
        assert resp.status == 200 and await resp.json() == {"message": "Alice kicked"}
        assert await r.alice.wait_for("admin:kick") == {"reason": "Be nice"}
        for bot in (r.host, r.bob):
            assert await bot.wait_for("participant:left") == {"participantId": alice_id, "name": "Alice"}
        assert list(await participants(api, r)) == ["Host", "Bob"]
        assert r.alice.sio.connected  # removed from the meeting, not disconnected

        # Out of the room: what the others say no longer reaches her, and she can no longer speak.
        await r.bob.sio.emit("chat:message", {"text": "after"})
        assert (await r.host.wait_for("chat:message"))["text"] == "after"
        err = await r.alice.refused("chat:message", {"text": "still here?"})
        assert err == {"message": "Participant not found", "code": "participant_not_found", "event": "chat:message"}
        err = await r.alice.refused("signal:offer", {"to": r.ids["Bob"], "offer": {"sdp": "x"}})
        assert err["code"] == "participant_not_found"
        await quiet()
        assert not r.alice.got("chat:message") and not r.alice.got("participant:left")
        assert len(r.host.got("chat:message")) == 1 and not r.bob.got("signal:offer")

        resp = await api.post(r.url(f"/participants/{alice_id}/kick"), headers=r.admin)
        assert await error_of(resp) == (404, "Participant not found")

        # With the meeting open she may come back, as a new participant.
        back = await r.alice.join(r.id, "Alice")
        assert back["participantId"] != alice_id
        assert (await r.bob.wait_for("participant:joined"))["participantId"] == back["participantId"]  # Bob came last
        assert (await r.host.wait_for("participant:joined", 3))["name"] == "Alice"


async def test_kick_reasons_and_refusals(api: TestClient) -> None:
    async with room(api) as r:
        url = r.url(f"/participants/{r.ids['Bob']}/kick")
        for headers, body, status, message in (
            (r.admin, {"reason": 5}, 400, "reason must be a string"),
            ({}, {}, 403, "Admin token required"),
            ({"x-admin-token": "wrong"}, {}, 403, "Admin token required"),
            ({"x-api-key": "mk_bad", "x-admin-token": r.meeting["adminToken"]}, {}, 401, NO_KEY),
        ):
            assert await error_of(await api.post(url, json=body, headers=headers)) == (status, message), headers
        assert await error_of(await api.post(r.url("/participants/ghost/kick"), headers=r.admin)) == (
            404, "Participant not found")
        await quiet()
        assert not r.bob.got("admin:kick") and not r.host.got("participant:left")
        assert list(await participants(api, r)) == ["Host", "Alice", "Bob"]

        # No reason, or a blank one: the default. A long one is cut to 200.
        assert (await api.post(url, headers=r.admin)).status == 200
        assert await r.bob.wait_for("admin:kick") == {"reason": "Removed by admin"}
        await r.bob.join(r.id, "Bob")
        bob = (await participants(api, r))["Bob"]["participantId"]
        await api.post(r.url(f"/participants/{bob}/kick"), json={"reason": "   "}, headers=r.admin)
        assert await r.bob.wait_for("admin:kick", 2) == {"reason": "Removed by admin"}
        await r.bob.join(r.id, "Bob")
        bob = (await participants(api, r))["Bob"]["participantId"]
        await api.post(r.url(f"/participants/{bob}/kick"), json={"reason": "y" * 300}, headers=r.admin)
        assert await r.bob.wait_for("admin:kick", 3) == {"reason": "y" * 200}
        # Kicking a host is allowed too (the token holder decides).
        resp = await api.post(r.url(f"/participants/{r.ids['Host']}/kick"), headers=r.admin)
        assert resp.status == 200 and await resp.json() == {"message": "Host kicked"}
        assert await r.host.wait_for("admin:kick") == {"reason": "Removed by admin"}


async def test_kicked_guest_must_be_admitted_again(api: TestClient) -> None:
    owner = await account(api)
    api.session.cookie_jar.clear()
    meeting = await create_meeting(api, owner["key"], waitingRoom=True)
    mid = meeting["meetingId"]
    async with bots(api, 2) as (host, guest):
        await host.join(mid, "Host", isAdmin=True, adminToken=meeting["adminToken"])
        await guest.sio.emit("waiting-room:join", {"meetingId": mid, "name": "Gina"})
        waiting = await host.wait_for("waiting-room:participant-waiting")
        await host.sio.emit("waiting-room:admit", {"meetingId": mid, "socketId": waiting["socketId"]})
        await guest.wait_for("waiting-room:admitted")
        gina = (await guest.join(mid, "Gina"))["participantId"]

        resp = await api.post(f"/api/meetings/{mid}/participants/{gina}/kick", headers=meeting["admin"])
        assert resp.status == 200 and await resp.json() == {"message": "Gina kicked"}
        await guest.wait_for("admin:kick")
        err = await guest.refused("join-meeting", {"meetingId": mid, "name": "Gina"})
        assert err == {"message": "Waiting for the host to admit you", "code": "waiting_room_required",
                       "event": "join-meeting"}
        # Back through the door: queue, admission, join.
        await guest.sio.emit("waiting-room:join", {"meetingId": mid, "name": "Gina"})
        assert (await host.wait_for("waiting-room:participant-waiting", 3))["name"] == "Gina"
        await host.sio.emit("waiting-room:admit", {"meetingId": mid, "socketId": waiting["socketId"]})
        await guest.wait_for("waiting-room:admitted", 2)
        await guest.join(mid, "Gina")


async def test_kicked_guest_cannot_pass_a_lock(api: TestClient) -> None:
    async with room(api) as r:
        await api.post(r.url(f"/participants/{r.ids['Bob']}/kick"), headers=r.admin)
        await r.bob.wait_for("admin:kick")
        assert (await api.post(r.url("/lock"), headers=r.admin)).status == 200
        err = await r.bob.refused("join-meeting", {"meetingId": r.id, "name": "Bob"})
        assert err["message"] == "Meeting is locked"
        # Alice, still inside, may re-join her own seat while locked.
        await r.alice.join(r.id, "Alice")


async def test_kicking_the_recorder_stops_the_recording_notice(api: TestClient) -> None:
    async with room(api) as r, bots(api, 1) as (cohost,):
        co = (await cohost.join(r.id, "Cohost", isAdmin=True, adminToken=r.meeting["adminToken"]))["participantId"]
        await cohost.sio.emit("recording:broadcast-started", {"hostName": "Cohost"})
        assert await r.bob.wait_for("recording:started") == {"hostName": "Cohost"}
        assert (await api.post(r.url(f"/participants/{co}/kick"), headers=r.admin)).status == 200
        for bot in r.everyone():
            assert await bot.wait_for("recording:stopped") is None
            assert (await bot.wait_for("participant:left"))["participantId"] == co
            assert bot.names().index("recording:stopped") < bot.names().index("participant:left")


async def test_mute_all(api: TestClient) -> None:
    async with room(api) as r:
        await r.bob.sio.emit("media:toggle-audio", {"isMuted": True})  # already muted: muted again anyway
        await r.host.wait_for("participant:updated")
        resp = await api.post(r.url("/mute-all"), headers=r.admin)
        assert resp.status == 200 and await resp.json() == {"message": "All participants muted"}
        for bot in r.everyone():  # hosts included, as in the original
            assert await bot.wait_for("admin:mute") is None
            assert await bot.wait_for("meeting:all-muted") is None
        assert all(p["isMuted"] for p in (await participants(api, r)).values())
        await quiet()
        for bot in r.everyone():
            assert len(bot.got("admin:mute")) == 1 and len(bot.got("meeting:all-muted")) == 1
        # No per-participant updates (only the one Bob's own toggle caused), and the settings are untouched.
        assert [len(bot.got("participant:updated")) for bot in r.everyone()] == [1, 1, 0]
        body = await (await api.get(r.url(""), headers=r.admin)).json()
        assert body["settings"]["muteOnJoin"] is False
        async with bots(api, 1) as (late,):
            assert (await late.join(r.id, "Late"))["participants"][0]["isMuted"] is True
            assert (await r.host.wait_for("participant:joined", 3))["isMuted"] is False


async def test_mute_all_refusals_change_nothing(api: TestClient) -> None:
    async with room(api) as r:
        for headers, status, message in (
            ({}, 403, "Admin token required"),
            ({"x-admin-token": "nope"}, 403, "Admin token required"),
            ({"x-api-key": "mk_bad", "x-admin-token": r.meeting["adminToken"]}, 401, NO_KEY),
        ):
            assert await error_of(await api.post(r.url("/mute-all"), headers=headers)) == (status, message)
        resp = await api.post("/api/meetings/000-0000-000/mute-all", headers=r.admin)
        assert await error_of(resp) == (404, "Meeting not found")
        await quiet()
        for bot in r.everyone():
            assert not bot.got("admin:mute") and not bot.got("meeting:all-muted")
        assert not any(p["isMuted"] for p in (await participants(api, r)).values())


async def test_guest_meeting_host_needs_only_the_admin_token(api: TestClient) -> None:
    """COMPATIBILITY.md: the x-admin-token authorises host routes; a guest meeting's host has no key."""
    body = await (await api.post("/api/meetings/guest", json={"title": "Open"})).json()
    mid, host_token = body["meetingId"], {"x-admin-token": body["adminToken"]}
    async with bots(api, 2) as (host, guest):
        await host.join(mid, "Host", isAdmin=True, adminToken=body["adminToken"])
        gid = (await guest.join(mid, "Gus"))["participantId"]
        resp = await api.post(f"/api/meetings/{mid}/participants/{gid}/mute", headers=host_token)
        assert resp.status == 200 and await resp.json() == {"message": "Gus muted"}
        await guest.wait_for("admin:mute")
        resp = await api.post(f"/api/meetings/{mid}/mute-all", headers=host_token)
        assert resp.status == 200
        await host.wait_for("meeting:all-muted")
        resp = await api.post(f"/api/meetings/{mid}/participants/{gid}/kick", json={"reason": "bye"}, headers=host_token)
        assert resp.status == 200 and await resp.json() == {"message": "Gus kicked"}
        assert await guest.wait_for("admin:kick") == {"reason": "bye"}
