"""Helpers for the browser tests: pages with camera and microphone granted, and screenshots to look at."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # tests/artifacts (ignored by git)
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


async def new_page(chromium: Browser, url: str, **context: Any) -> Page:
    """A page in its own context (own cookies and sessionStorage), console errors collected in ``page.errors``."""
    options: dict[str, Any] = {"viewport": VIEWPORT, "permissions": ["camera", "microphone"], **context}
    browser_context = await chromium.new_context(**options)
    browser_context.set_default_timeout(TIMEOUT_MS)
    page = await browser_context.new_page()
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    if url:
        await page.goto(url)
    return page


async def screenshot(page: Page, name: str) -> Path:
    """Write tests/artifacts/<name>.png (every run) so a person can look at the page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path
