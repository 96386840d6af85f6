"""The document's Quick Start, as a bot written only from it would run it."""
from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.conftest import eventually
from tests.meetings.support import Bot


async def test_quick_start_bot(api: TestClient) -> None:
    reg = await (await api.post("/api/auth/register", json={"email": "bot@x.io", "password": "secret123"})).json()
    key = {"x-api-key": reg["apiKey"]}
    created = await (await api.post("/api/meetings", json={"title": "Team Standup"}, headers=key)).json()
    assert created["status"] == "active" and created["joinUrl"] == f"/join/{created['meetingId']}"
    mid, admin = created["meetingId"], {"x-admin-token": created["adminToken"], **key}

    alice, bot = Bot(), Bot()
    await alice.connect(api)
    await bot.connect(api)
    await alice.sio.emit("join-meeting", {"meetingId": mid, "name": "Alice", "isAdmin": False, "adminToken": None})
    await eventually(lambda: alice.got("joined"))
    await bot.sio.emit("join-meeting", {"meetingId": mid, "name": "Bot", "isAdmin": False, "adminToken": None})
    await eventually(lambda: bot.got("joined"))
    assert [p["name"] for p in bot.got("joined")[0]["participants"]] == ["Alice"]
    await eventually(lambda: alice.got("participant:joined"))

    await bot.sio.emit("chat:message", {"text": "Hello from the bot!"})
    await bot.sio.emit("raise-hand", {"isHandRaised": True})
    await bot.sio.emit("react", {"emoji": "👍"})
    await eventually(lambda: alice.got("chat:message") and alice.got("react") and alice.got("participant:updated"))
    assert alice.got("chat:message")[0]["text"] == "Hello from the bot!"
    assert alice.got("react")[0]["emoji"] == "👍"

    detail = await (await api.get(f"/api/meetings/{mid}", headers=key)).json()
    assert detail["participantCount"] == 2
    alice_id = alice.got("joined")[0]["participantId"]
    resp = await api.post(f"/api/meetings/{mid}/participants/{alice_id}/mute", headers=admin)
    assert resp.status == 200 and (await resp.json())["message"] == "Alice muted"
    await eventually(lambda: alice.got("admin:mute"))

    resp = await api.delete(f"/api/meetings/{mid}", headers=admin)
    assert (await resp.json())["message"] == "Meeting ended"
    await eventually(lambda: bot.got("meeting:ended"))
    history = await (await api.get("/api/meetings/history", headers=key)).json()
    assert history["meetings"][0]["meeting_id"] == mid and history["meetings"][0]["peak_participants"] == 2
    assert history["meetings"][0]["ended_at"] is not None
    for client in (alice, bot):
        await client.sio.disconnect()
    await asyncio.sleep(0)
