"""The outbox is down (database outage) when a participant joins: the join still succeeds, and the event
is kept in memory and written and delivered once the database is back (a best effort: a crash meanwhile
would lose it; see server/webhooks.py)."""
from __future__ import annotations

from pathlib import Path

from store.mongo.embedded import EmbeddedMongo
from tests.conftest import StartServer
from tests.meetings.support import account, bots, create_meeting
from tests.webhooks.support import add_hook, fast_server, receiver


async def test_a_join_during_an_outage_is_not_refused_and_its_event_arrives_later(
    start_server: StartServer, tmp_path: Path
) -> None:
    db = EmbeddedMongo(tmp_path / "own-db")
    await db.start()
    api = await fast_server(start_server, mongodb_url=db.url)
    try:
        owner = await account(api)
        async with receiver() as hooks:
            await add_hook(api, hooks.url, ["meeting.started", "participant.joined"])
            meeting = await create_meeting(api, owner["key"])
            await hooks.wait_for("meeting.started")
            await db.stop()
            async with bots(api, 1) as (bot,):
                joined = await bot.join(meeting["meetingId"], "During the outage")
                assert hooks.of("participant.joined") == []
                await db.start()  # same port, same files
                [got] = await hooks.wait_for("participant.joined", timeout=20)
            assert got.body["data"] == {"meetingId": meeting["meetingId"], "participantId": joined["participantId"],
                                        "name": "During the outage"}
    finally:
        await api.close()  # while its database is up: shutdown saves the live meeting
        await db.stop()
