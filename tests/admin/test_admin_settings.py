"""/admin/api/settings: the original's string map; every change checked before any is written; the server obeys it."""
from __future__ import annotations

from typing import Any

from tests.admin.support import admin_server, close_all, ok, user
from tests.conftest import StartServer
from tests.http.http_support import error_of
from tests.meetings.support import PASSWORD, Bot, create_meeting
from tests.meetings.test_billing import age, end, history

DEFAULTS = {
    "recording_enabled": "true", "screen_share_enabled": "true", "blur_enabled": "true",
    "registration_enabled": "true", "guest_meetings_enabled": "true", "captions_enabled": "true",
    "max_participants_default": "50", "meeting_cost_per_participant_minute": "0.004",
    "signup_credit_usd": "5.00", "low_balance_threshold_usd": "2.00",
}


async def test_get_returns_every_known_key_as_a_string(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    assert await ok(await api.get("/admin/api/settings")) == DEFAULTS


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"recording_enabled": "yes"}, "recording_enabled must be true or false"),
    ({"blur_enabled": 1}, "blur_enabled must be true or false"),
    ({"meeting_cost_per_participant_minute": -0.01}, "meeting_cost_per_participant_minute must be a non-negative number"),
    ({"signup_credit_usd": "NaN"}, "signup_credit_usd must be a non-negative number"),
    ({"signup_credit_usd": "Infinity"}, "signup_credit_usd must be a non-negative number"),
    ({"low_balance_threshold_usd": "2,00"}, "low_balance_threshold_usd must be a non-negative number"),
    ({"low_balance_threshold_usd": True}, "low_balance_threshold_usd must be a non-negative number"),
    ({"meeting_cost_per_participant_minute": "0.0000001"},
     "meeting_cost_per_participant_minute must have at most 6 decimal places"),
    ({"signup_credit_usd": "1e9"}, "signup_credit_usd must be at most 100000"),
    ({"max_participants_default": 1}, "max_participants_default must be an integer between 2 and 500"),
    ({"max_participants_default": 12.5}, "max_participants_default must be an integer between 2 and 500"),
    ({"max_participants_default": -3}, "max_participants_default must be a non-negative number"),
    ({"stripe_enabled": "true", "meeting_auto_delete_minutes": 5}, "No valid settings provided"),
    ({}, "No valid settings provided"),
]


async def test_invalid_changes_are_refused(start_server: StartServer) -> None:
    api = await admin_server(start_server)  # one server for every case: seeding the admin hashes a password
    for body, message in INVALID:
        assert await error_of(await api.patch("/admin/api/settings", json=body)) == (400, message), body
    assert await ok(await api.get("/admin/api/settings")) == DEFAULTS


async def test_a_change_with_one_bad_key_writes_nothing(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    resp = await api.patch("/admin/api/settings", json={"blur_enabled": False, "signup_credit_usd": "-1"})
    assert await error_of(resp) == (400, "signup_credit_usd must be a non-negative number")
    assert await ok(await api.get("/admin/api/settings")) == DEFAULTS

    body = {"blur_enabled": "false", "recording_enabled": False, "signup_credit_usd": "2.5",
            "meeting_cost_per_participant_minute": 0.01, "max_participants_default": "12", "unknown": "ignored"}
    assert await ok(await api.patch("/admin/api/settings", json=body)) == {"message": "Settings updated"}
    assert await ok(await api.get("/admin/api/settings")) == {
        **DEFAULTS, "blur_enabled": "false", "recording_enabled": "false", "signup_credit_usd": "2.50",
        "meeting_cost_per_participant_minute": "0.01", "max_participants_default": "12",
    }
    config = await ok(await api.get("/api/config"))
    assert config["blurEnabled"] is False and config["recordingEnabled"] is False and config["screenShareEnabled"]


async def test_settings_change_what_the_server_does(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    await ok(await api.patch("/admin/api/settings", json={"registration_enabled": False}))
    resp = await api.post("/api/auth/register", json={"email": "late@example.com", "password": PASSWORD})
    assert await error_of(resp) == (403, "Registration is currently disabled")
    assert (await ok(await api.get("/api/config")))["registrationEnabled"] is False

    await ok(await api.patch("/admin/api/settings", json={
        "registration_enabled": True, "meeting_cost_per_participant_minute": "0.01", "max_participants_default": 7,
        "signup_credit_usd": "3",
    }))
    owner = await user(api)
    host = await Bot().connect(api)
    try:
        me = await ok(await owner["browser"].get("/api/auth/me"))
        assert me["balance"] == "3.0000"
        meeting = await create_meeting(api, owner["key"])
        assert meeting["settings"]["maxParticipants"] == 7
        await host.join(meeting["meetingId"], "Host", isAdmin=True, adminToken=meeting["adminToken"])
        age(api, meeting["meetingId"], 10)  # 10 minutes × 1 participant × $0.01 = $0.10
        await end(api, meeting)
        [row] = await history(api, owner["key"])
        assert row["cost_usd"] == "0.1000"
    finally:
        await host.close()
        await close_all(owner)
