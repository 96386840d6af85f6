"""Amounts typed by the admin are plain ASCII decimals: Python's ``Decimal`` also reads "1_000"
(as 1000, where the original's parseFloat reads 1) and non-ASCII digits ("٥"), which are refused."""
from __future__ import annotations

from tests.admin.support import admin_server, close_all, ok, user
from tests.conftest import StartServer
from tests.http.http_support import error_of

ODD = ("1_000", "٥", "５", "1_0.5")


async def test_settings_refuse_digit_separators_and_non_ascii_digits(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    before = await ok(await api.get("/admin/api/settings"))
    for raw in ODD:
        for key, message in (("signup_credit_usd", "signup_credit_usd must be a non-negative number"),
                             ("max_participants_default", "max_participants_default must be a non-negative number")):
            resp = await api.patch("/admin/api/settings", json={key: raw})
            assert await error_of(resp) == (400, message), (key, raw)
    assert await ok(await api.get("/admin/api/settings")) == before
    body = {"signup_credit_usd": " 2.5 ", "max_participants_default": "1e1", "low_balance_threshold_usd": "+.5"}
    await ok(await api.patch("/admin/api/settings", json=body))
    after = await ok(await api.get("/admin/api/settings"))
    assert (after["signup_credit_usd"], after["max_participants_default"], after["low_balance_threshold_usd"]) == (
        "2.50", "10", "0.50")


async def test_grants_refuse_digit_separators_and_non_ascii_digits(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    try:
        for raw in ODD:
            resp = await api.post("/admin/api/billing/credit", json={"email": plain["email"], "amountUsd": raw})
            assert await error_of(resp) == (400, "amountUsd must be a positive number"), raw
        await ok(await api.post("/admin/api/billing/credit", json={"email": plain["email"], "amountUsd": "1e1"}))
    finally:
        await close_all(plain)
