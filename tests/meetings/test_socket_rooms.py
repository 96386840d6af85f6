"""Socket bookkeeping: Socket.IO rooms, idle sockets, and one socket moving between meetings."""
from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from handlers.socket.manager import SliceManager
from server.sockets import SIO
from tests.conftest import StartServer, eventually
from tests.meetings.support import account, bots, create_meeting, quiet


def manager(api: TestClient) -> SliceManager:
    found = api.server.app[SIO].manager
    assert isinstance(found, SliceManager)
    return found


async def test_disconnects_leave_no_room_behind(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 4) as group:
        host = group[0]
        await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        for bot in group[1:]:
            await bot.join(meeting["meetingId"], "Guest")
        rooms = manager(api).rooms["/"]
        assert len(rooms[meeting["meetingId"]]) == 4
        assert len(rooms[f"hosts:{meeting['meetingId']}"]) == 1
        assert sorted(manager(api).get_rooms(host.sio.get_sid("/"), "/")) == sorted(
            [host.sio.get_sid("/"), meeting["meetingId"], f"hosts:{meeting['meetingId']}"]
        )
    await eventually(lambda: "/" not in manager(api).rooms)
    assert manager(api)._rooms_of == {}


async def test_a_room_emit_reaches_everyone_but_the_skipped_sender(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 5) as group:
        for i, bot in enumerate(group):
            await bot.join(meeting["meetingId"], f"P{i}")
        await group[0].sio.emit("media:toggle-audio", {"isMuted": True})
        for bot in group[1:]:
            update = await bot.wait_for("participant:updated")
            assert update == {"participantId": group[0].got("joined")[0]["participantId"], "isMuted": True}
        await quiet()
        assert group[0].got("participant:updated") == []


async def test_a_closing_socket_does_not_stop_delivery_to_the_rest(api: TestClient) -> None:
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 4) as group:
        for i, bot in enumerate(group):
            await bot.join(meeting["meetingId"], f"P{i}")
        # Put the second socket in the state engine.io is in while a socket closes: marked closed,
        # still in the meeting's room, ahead of two others. SliceManager.emit relies on engine.io
        # dropping a send to it rather than raising; this fails if an upgrade changes that.
        eio_sid = manager(api).eio_sid_from_sid(group[1].sio.get_sid("/"), "/")
        api.server.app[SIO].eio.sockets[eio_sid].closed = True
        await group[0].sio.emit("chat:message", {"text": "hi"})
        for bot in (group[0], group[2], group[3]):
            assert (await bot.wait_for("chat:message"))["text"] == "hi"
        assert group[0].got("error") == []


async def test_an_idle_timeout_counts_from_when_a_socket_lost_its_place(start_server: StartServer) -> None:
    api = await start_server(idle_socket_timeout_seconds=0.6)
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"])
    async with bots(api, 2) as (host, guest):
        await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        joined = await guest.join(meeting["meetingId"], "Guest")
        await asyncio.sleep(1.0)  # longer than the timeout: seated sockets are never idle
        assert guest.sio.connected and host.sio.connected
        resp = await api.post(
            f"/api/meetings/{meeting['meetingId']}/participants/{joined['participantId']}/kick",
            headers=meeting["admin"],
        )
        assert resp.status == 200
        await guest.wait_for("admin:kick")
        await eventually(lambda: not guest.sio.connected, timeout=3)
        assert host.sio.connected


async def test_moving_to_another_meeting_leaves_the_first_only_when_admitted(api: TestClient) -> None:
    owner = await account(api)
    first = await create_meeting(api, owner["key"])
    locked = await create_meeting(api, owner["key"])
    assert (await api.post(f"/api/meetings/{locked['meetingId']}/lock", headers=locked["admin"])).status == 200
    second = await create_meeting(api, owner["key"])
    async with bots(api, 2) as (mover, watcher):
        await watcher.join(first["meetingId"], "Watcher")
        await mover.join(first["meetingId"], "Mover")
        error = await mover.refused("join-meeting", {"meetingId": locked["meetingId"], "name": "Mover"})
        assert error["message"] == "Meeting is locked"
        await quiet()
        assert watcher.got("participant:left") == []
        await mover.sio.emit("chat:message", {"text": "still here"})
        assert (await watcher.wait_for("chat:message"))["text"] == "still here"

        await mover.join(second["meetingId"], "Mover")
        left = await watcher.wait_for("participant:left")
        assert left["name"] == "Mover"
        await mover.sio.emit("chat:message", {"text": "moved"})
        await mover.wait_for("chat:message", 2)  # its own echo in the new meeting
        await quiet()
        assert [m["text"] for m in watcher.got("chat:message")] == ["still here"]
