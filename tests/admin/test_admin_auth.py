"""Every /admin/api route, listed from the app's own router, refuses anyone but a logged-in site admin."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from tests.admin.support import ADMIN_EMAIL, ADMIN_PASSWORD, admin_server, close_all, ok, user
from tests.conftest import StartServer
from tests.http.http_support import error_of
from tests.meetings.support import PASSWORD

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def admin_routes() -> list[tuple[str, str]]:
    app = create_app(Settings())
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = str(info.get("path", info.get("formatter", "")))
        if path.startswith("/admin/api/") and route.method in METHODS:
            found.add((route.method, re.sub(r"\{[^}]+\}", "1", path)))
    return sorted(found)


ROUTES = admin_routes()


def test_the_route_list_is_the_whole_admin_api() -> None:
    assert len(ROUTES) >= 30
    for expected in [("GET", "/admin/api/stats"), ("PATCH", "/admin/api/settings"),
                     ("DELETE", "/admin/api/users/1"), ("GET", "/admin/api/analytics/peak-hours")]:
        assert expected in ROUTES


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_admin_route_needs_an_admin_session(method: str, path: str, api: TestClient) -> None:
    resp = await api.request(method, path, json={})
    assert await error_of(resp) == (401, "Admin login required")
    plain = await user(api)
    try:
        resp = await plain["browser"].request(method, path, json={})
        assert await error_of(resp) == (401, "Admin login required")
        resp = await api.request(method, path, json={}, headers=plain["key"])  # an API key is no admin session
        assert await error_of(resp) == (401, "Admin login required")
    finally:
        await close_all(plain)


async def test_admin_login_refuses_wrong_password_non_admins_and_disabled_admins(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    plain = await user(api)
    try:
        cases = [({"email": ADMIN_EMAIL, "password": "wrong-password"}, (401, "Invalid credentials")),
                 ({"email": plain["email"], "password": PASSWORD}, (401, "Invalid credentials")),
                 ({"email": "nobody@example.com", "password": PASSWORD}, (401, "Invalid credentials")),
                 ({"email": ADMIN_EMAIL}, (400, "Email and password required"))]
        for body, expected in cases:
            async with plain["browser"].post("/admin/login", json=body) as resp:
                assert await error_of(resp) == expected, body
        # A non-admin who logged in through /api/auth keeps no admin access either.
        assert (await plain["browser"].get("/admin/api/stats")).status == 401

        # A second admin, disabled: the right password reveals "disabled", nothing else does.
        second = await user(api)
        await ok(await api.patch(f"/admin/api/users/{second['id']}", json={"isAdmin": True}))
        await ok(await api.patch(f"/admin/api/users/{second['id']}", json={"isActive": False}))
        resp = await plain["browser"].post("/admin/login", json={"email": second["email"], "password": PASSWORD})
        assert await error_of(resp) == (403, "Account disabled")
        resp = await plain["browser"].post("/admin/login", json={"email": second["email"], "password": "nope-nope"})
        assert await error_of(resp) == (401, "Invalid credentials")
        await close_all(second)

        stats = await ok(await api.get("/admin/api/stats"))
        assert set(stats) == {"activeMeetings", "totalUsers", "activeApiKeys", "totalCompanies", "totalCreditsIssued"}
        assert stats["totalUsers"] == 2  # the admin and ``plain``; the disabled one is not counted
        assert stats["totalCreditsIssued"] == "10.0000"  # two $5 sign-up credits (the seeded admin gets none)

        resp = await api.post("/admin/logout", allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/admin"
        assert await error_of(await api.get("/admin/api/stats")) == (401, "Admin login required")
    finally:
        await close_all(plain)


async def test_a_demoted_admin_loses_access_at_once(start_server: StartServer) -> None:
    api = await admin_server(start_server)
    other = await user(api)
    try:
        await ok(await api.patch(f"/admin/api/users/{other['id']}", json={"isAdmin": True}))
        resp = await other["browser"].post("/admin/login", json={"email": other["email"], "password": PASSWORD})
        assert resp.status == 200
        await ok(await other["browser"].get("/admin/api/users"))
        await ok(await api.patch(f"/admin/api/users/{other['id']}", json={"isAdmin": False}))
        assert await error_of(await other["browser"].get("/admin/api/users")) == (401, "Admin login required")
    finally:
        await close_all(other)


async def test_admin_password_is_required_to_seed(start_server: StartServer) -> None:
    api = await start_server()  # no ADMIN_EMAIL / ADMIN_PASSWORD: nobody can log in
    resp = await api.post("/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert await error_of(resp) == (401, "Invalid credentials")
