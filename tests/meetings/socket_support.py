"""Shortcuts shared by the Socket.IO tests (test_socket_*.py, test_waiting_room.py)."""
from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from tests.meetings.support import Bot, account, create_meeting


def is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


async def new_meeting(api: TestClient, **fields: Any) -> dict[str, Any]:
    """A fresh account's meeting: the creation body plus ``admin`` headers, ``key`` and ``id``."""
    owner = await account(api)
    meeting = await create_meeting(api, owner["key"], **fields)
    return {**meeting, "key": owner["key"], "id": meeting["meetingId"]}


async def detail(api: TestClient, meeting: dict[str, Any]) -> dict[str, Any]:
    """GET /api/meetings/:id with the host's token; participantCount always agrees with the list.

    (The token, not just the key: the shared test client's cookie jar holds the session of
    whichever account registered last, and a session outranks an ``x-api-key``.)
    """
    resp = await api.get(f"/api/meetings/{meeting['id']}", headers=meeting["admin"])
    body = await resp.json()
    assert resp.status == 200, body
    assert body["participantCount"] == len(body["participants"]), body
    return body


async def seated_names(api: TestClient, meeting: dict[str, Any]) -> list[str]:
    return sorted(p["name"] for p in (await detail(api, meeting))["participants"])


async def join_as_host(bot: Bot, meeting: dict[str, Any], name: str = "Host") -> dict[str, Any]:
    joined = await bot.join(meeting["id"], name, isAdmin=True, adminToken=meeting["adminToken"])
    assert joined["isAdmin"] is True
    return joined


def error(message: str, code: str, event: str) -> dict[str, str]:
    """The ``error`` payload of a failed client event (docs/PROTOCOL.md section 2)."""
    return {"message": message, "code": code, "event": event}
