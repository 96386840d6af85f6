"""The dashboard in Chromium: register, create an API key, create a meeting with it, end it, see it in history.

Everything a person does goes through the pages; the database is read only to confirm that the
meeting really was created with the key (its ``last_used_at``)."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from server.settings import Settings
from tests.conftest import eventually
from tests.http.http_support import RAW_KEY, database, unique_email
from tests.web.web_support import accept_dialogs, new_page, register_through_page, screenshot

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def base_url(web: TestClient) -> str:
    return str(web.make_url("/"))


async def test_register_create_key_create_meeting_and_see_it_ended_in_history(
    chromium: Browser, web: TestClient, settings: Settings
) -> None:
    page = await new_page(chromium, base_url(web) + "register")
    dialogs = accept_dialogs(page)
    first_key = await register_through_page(page, unique_email("dash"))
    assert RAW_KEY.match(first_key)

    await page.get_by_role("link", name="Continue to your dashboard").click()
    await expect(page.locator("#profile-balance")).to_have_text("$5.0000")

    # A key whose label is markup: shown as text, never parsed.
    await page.get_by_label("Label").fill(HOSTILE)
    await page.get_by_role("button", name="Create key").click()
    new_key = await page.locator("#key-secret input.secret").input_value()
    assert RAW_KEY.match(new_key) and new_key != first_key
    label_cell = page.locator("#key-list td", has_text=HOSTILE)
    await expect(label_cell).to_have_count(1)
    assert await page.locator("#key-list img, #key-secret img").count() == 0
    # The key list shows keys masked; the full key appears only in the one-time box.
    assert new_key not in await page.locator("#key-list").inner_text()

    # The new key is filled into the meeting form, which then sends it as x-api-key.
    assert await page.get_by_label("API key (optional)").input_value() == new_key
    await page.get_by_label("Title", exact=True).fill("Weekly sync")
    await page.get_by_label("Waiting room").check()
    await page.get_by_role("button", name="Create meeting").click()
    created = page.locator("#meeting-created .created-meeting")
    await expect(created).to_be_visible()
    meeting_id = await created.get_attribute("data-meeting-id")
    assert meeting_id
    # The host's admin token is where the join page looks for it (research §9.1).
    token = await page.evaluate("id => sessionStorage.getItem('admin_' + id)", meeting_id)
    assert token and await created.locator("input.secret").nth(1).input_value() == token

    async with database(settings) as db:
        async def key_used() -> bool:
            doc = await db.api_keys.find_one({"label": HOSTILE})
            return bool(doc and doc.get("last_used_at"))
        await eventually(key_used)

    row = page.locator(f'#history-list tr[data-meeting-id="{meeting_id}"]')
    await expect(row).to_have_attribute("data-ended", "no")
    await expect(row).to_contain_text("Weekly sync")

    await created.get_by_role("button", name="End meeting").click()
    await expect(created.locator("p.status")).to_have_text("Meeting ended")
    # The history row is completed when the meeting is settled; Refresh until it shows.
    async def ended() -> bool:
        await page.get_by_role("button", name="Refresh").click()
        return await row.get_attribute("data-ended") == "yes"
    await eventually(ended, timeout=10, interval=0.2)
    await expect(row.locator('td[data-label="Ended"]')).not_to_have_text("in progress")

    assert dialogs == ["confirm: End this meeting for everyone?"]
    assert await page.evaluate("window.__pwned") is None
    await screenshot(page, "dashboard", full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
