"""Helpers for the browser tests: pages with camera and microphone granted, and screenshots to look at."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, expect

from tests.http.http_support import PASSWORD

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


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Write tests/artifacts/<name>.png (every run) so a person can look at the page; ``full_page``
    for long pages (the dashboard), the viewport for the meeting page, whose layout fills it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


def accept_dialogs(page: Page) -> list[str]:
    """Confirm every window.confirm (revoke, end) and remember what was asked; an alert would show up here too."""
    seen: list[str] = []

    async def accept(dialog: Dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        await dialog.accept()

    page.on("dialog", accept)
    return seen


async def register_through_page(page: Page, email: str, **company: str) -> str:
    """Fill in /register; returns the API key the welcome card shows."""
    if company:
        await page.get_by_label("Company (members share one balance)").check()
        await page.get_by_label("Company name").fill(company["name"])
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password (8–128 characters)").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    key_field = page.locator("#welcome-key input.secret")
    await expect(key_field).to_be_visible()
    return await key_field.input_value()
