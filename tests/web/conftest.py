"""Browser fixtures: headless Debian Chromium driven by Playwright, and a real Slice to point it at."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, async_playwright

from server.app import create_app
from server.settings import Settings
from store.mongo.embedded import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu",
    # A synthetic camera (a moving pattern) and microphone (a beep), with the permission prompt answered.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic",
    # Pages that join from a link (no click) may still play remote audio, as a person's browser would
    # after a first visit; the page also copes when autoplay is refused.
    "--autoplay-policy=no-user-gesture-required",
]


def _chromium_installed() -> bool:
    return CHROMIUM.exists()


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    if not _chromium_installed():
        pytest.fail("/usr/bin/chromium is missing: scripts/test installs Debian's chromium package")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[TestClient]:
    """A real Slice for the browser; its base URL is ``str(web.make_url("/"))``.

    Its port is chosen first so that the page's origin (http://127.0.0.1:<port>) is one the
    Socket.IO server accepts, as it is for a server started on PORT in development."""
    port = free_port()
    app = create_app(settings.with_(port=port))
    client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
