"""A meeting that ends while the database is down is still recorded and charged, once, when it is back."""
from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from server.meetings import MEETINGS
from store.mongo.embedded import EmbeddedMongo
from tests.conftest import StartServer, eventually
from tests.meetings.support import Bot, account, create_meeting
from tests.meetings.test_billing import age, history


async def test_an_end_during_a_database_outage_is_settled_when_it_returns(
    start_server: StartServer, tmp_path: Path
) -> None:
    db = EmbeddedMongo(tmp_path / "own-db")
    await db.start()
    try:
        api: TestClient = await start_server(mongodb_url=db.url)
        owner = await account(api)
        meeting = await create_meeting(api, owner["key"])
        host = await Bot().connect(api)
        try:
            await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
            age(api, meeting["meetingId"], 10)  # 10 minutes × 1 participant × $0.004 = $0.04
            await db.stop()

            # Ending needs only the live meeting and its admin token (no x-api-key to look up).
            token = {"x-admin-token": meeting["adminToken"]}
            resp = await api.delete(f"/api/meetings/{meeting['meetingId']}", headers=token)
            assert resp.status == 200 and await resp.json() == {"message": "Meeting ended"}
            assert await host.wait_for("meeting:ended") == {"reason": "Meeting ended by admin"}
            assert meeting["meetingId"] in api.server.app[MEETINGS].unsettled
            # Anything that needs the database now says so, rather than failing obscurely.
            resp = await api.get("/api/meetings", headers=owner["key"])
            assert resp.status == 503 and (await resp.json())["error"] == "Service temporarily unavailable"
            assert resp.headers["Retry-After"] == "5"
        finally:
            await host.close()

        await db.start()  # same port, same files

        async def settled() -> bool:
            return meeting["meetingId"] not in api.server.app[MEETINGS].unsettled

        await eventually(settled, timeout=20)
        [row] = await history(api, owner["key"])
        assert row["meeting_id"] == meeting["meetingId"] and row["ended_at"] is not None
        assert row["cost_usd"] == "0.0400"
        me = await (await api.get("/api/auth/me", headers=owner["key"])).json()
        assert me["balance"] == "4.9600"
    finally:
        await db.stop()
