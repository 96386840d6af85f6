"""Page routes, the socket.io-client bundle, and pages that load cleanly (no console errors, phone width)."""
from __future__ import annotations

from pathlib import Path

import pytest
import socketio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, expect

from handlers.http import pages
from tests.conftest import StartServer
from tests.http.http_support import error_of, login, register
from tests.meetings.support import account, create_meeting
from tests.web.web_support import new_page, screenshot

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NO_CACHE = "no-cache, no-store, must-revalidate"
# The page is no wider than the phone's screen: nothing scrolls sideways.
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


async def test_socket_io_client_is_served(api: TestClient) -> None:
    resp = await api.get("/socket.io/socket.io.js")
    body = await resp.text()
    assert resp.status == 200 and resp.content_type == "application/javascript"
    assert body.startswith("/*!\n * Socket.IO v4."), body[:60]
    assert "max-age" in resp.headers["Cache-Control"]
    source_map = await api.get("/socket.io/socket.io.min.js.map")
    assert source_map.status == 200
    # python-socketio still answers its own endpoint next to the file.
    handshake = await api.get("/socket.io/?EIO=4&transport=polling")
    assert handshake.status == 200 and (await handshake.text()).startswith("0{")


async def test_the_bundle_route_wins_whether_added_before_or_after_socketio() -> None:
    for routes_first in (True, False):
        app = web.Application()
        sio = socketio.AsyncServer(async_mode="aiohttp")
        if routes_first:
            app.router.add_routes(pages.routes)
        sio.attach(app)
        if not routes_first:
            app.router.add_routes(pages.routes)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            resp = await client.get("/socket.io/socket.io.js")
            assert resp.status == 200 and "Socket.IO v4." in await resp.text(), routes_first


async def test_without_node_the_bundle_says_what_to_do(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As on a machine without Node: no node_modules/socket.io-client.
    monkeypatch.setattr(pages, "CLIENT_BUNDLE", tmp_path / "socket.io.min.js")
    resp = await api.get("/socket.io/socket.io.js")
    assert resp.status == 503 and resp.content_type == "application/javascript"
    assert 'console.error("Slice: the web client needs Node.js: run scripts/setup")' in await resp.text()


async def test_page_routes(api: TestClient) -> None:
    for path, marker in (("/", "Start a meeting"), ("/join/abc-defg-hij", 'id="lobby"'), ("/dashboard", "<html"),
                         ("/register", "<html"), ("/reset", "<html"), ("/docs", "<html"), ("/admin", "<html")):
        resp = await api.get(path, allow_redirects=False)
        assert resp.status == 200, path
        assert resp.headers["Cache-Control"] == NO_CACHE, path
        assert marker in await resp.text(), path
    for path, target in (("/billing", "/dashboard?next=/billing"), ("/admin/dashboard", "/admin")):
        resp = await api.get(path, allow_redirects=False)
        assert (resp.status, resp.headers["Location"]) == (302, target), path
    await register(api)  # a session, but not an admin
    assert (await api.get("/billing", allow_redirects=False)).status == 200
    assert (await api.get("/admin/dashboard", allow_redirects=False)).headers["Location"] == "/admin"


async def test_admin_pages_follow_the_admin_session(start_server: StartServer) -> None:
    server = await start_server(admin_email="root@example.com", admin_password="a-long-admin-password")
    assert (await login(server, "root@example.com", "a-long-admin-password")).status == 200
    resp = await server.get("/admin", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (302, "/admin/dashboard")
    resp = await server.get("/admin/dashboard", allow_redirects=False)
    assert resp.status == 200 and resp.headers["Cache-Control"] == NO_CACHE


async def test_unknown_pages_are_a_404_page_for_browsers_and_json_for_programs(api: TestClient) -> None:
    resp = await api.get("/no-such-page", headers=HTML)
    assert resp.status == 404 and resp.content_type == "text/html"
    assert "Page not found" in await resp.text()
    assert await error_of(await api.get("/no-such-page")) == (404, "Page not found")
    for path in ("/api/nope", "/admin/api/nope", "/health/nope"):
        assert (await api.get(path, headers=HTML)).content_type == "application/json", path


async def test_pages_load_without_console_errors_at_phone_width(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Phone")
    base = str(web.make_url("/")).rstrip("/")
    phone = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
    home = await new_page(chromium, f"{base}/", **phone)
    await expect(home.get_by_role("heading", name="Start a meeting")).to_be_visible()
    assert await home.evaluate(FITS)
    lobby = await new_page(chromium, f"{base}/join/{meeting['meetingId']}", **phone)
    await expect(lobby.get_by_test_id("preview-video")).to_be_visible()
    await lobby.wait_for_function("() => document.querySelector('[data-testid=preview-video]').videoWidth > 0")
    assert await lobby.evaluate(FITS)
    # Keyboard only: type a name, Tab to Join, press Enter.
    await lobby.get_by_test_id("name-input").fill("Pat")
    await lobby.get_by_test_id("join-button").focus()
    await lobby.keyboard.press("Enter")
    await expect(lobby.get_by_test_id("room")).to_be_visible()
    assert await lobby.evaluate(FITS)
    await screenshot(lobby, "join-phone")
    await lobby.get_by_test_id("chat-toggle").click()
    await expect(lobby.get_by_test_id("chat-input")).to_be_focused()
    await lobby.keyboard.press("Escape")
    await expect(lobby.get_by_test_id("chat-panel")).to_be_hidden()
    missing = await new_page(chromium, f"{base}/join/000-0000-000?name=Pat", **phone)
    await expect(missing.get_by_test_id("lobby-error")).to_have_text("Meeting not found")
    for page in (home, lobby, missing):
        assert page.errors == [], page.url  # type: ignore[attr-defined]
