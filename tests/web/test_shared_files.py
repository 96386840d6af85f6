"""Sharing a file in the meeting page's chat: the host uploads, a guest page sees the link and downloads it."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from tests.web.test_meeting_page import base, joined, meeting_of
from tests.web.web_support import new_page

CONTENT = b"Agenda\n1. <b>Files</b>\n"


async def test_a_host_shares_a_file_and_a_guest_downloads_it(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web)
    meeting_id = meeting["meetingId"]
    url = f"{base(web)}/join/{meeting_id}"
    host = await new_page(chromium, "", accept_downloads=True)
    await host.context.add_init_script(f"sessionStorage.setItem('admin_{meeting_id}', {meeting['adminToken']!r});")
    await host.goto(f"{url}?name=Hannah")
    await joined(host)
    guest = await new_page(chromium, f"{url}?name=Gus", accept_downloads=True)
    await joined(guest)
    # Only the host is offered the upload; the guest has no key, session or token to upload with.
    await expect(guest.get_by_test_id("chat-file-button")).to_be_hidden()

    await host.get_by_test_id("chat-toggle").click()
    await expect(host.get_by_test_id("chat-file-button")).to_be_visible()
    await host.get_by_test_id("chat-file-input").set_input_files(
        files=[{"name": "Plan für März <b>.txt", "mimeType": "text/plain", "buffer": CONTENT}])

    await guest.get_by_test_id("chat-toggle").click()
    link = guest.get_by_test_id("chat-file-link")
    await expect(link).to_have_text(f"Plan für März <b>.txt ({len(CONTENT)} B)")  # markup shown as text
    await expect(guest.get_by_test_id("chat-file")).to_contain_text("Hannah")
    async with guest.expect_download() as info:
        await link.click()
    download = await info.value
    # The exact UTF-8 name arrives (filename*); Chromium itself replaces < and > for the file system.
    assert download.suggested_filename.startswith("Plan für März ")
    saved = await download.path()
    assert saved.read_bytes() == CONTENT
    await expect(host.get_by_test_id("chat-file-link")).to_have_count(1)

    # A refused upload says why, in the chat.
    await host.get_by_test_id("chat-file-input").set_input_files(
        files=[{"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}])
    await expect(host.get_by_test_id("chat-list")).to_contain_text(
        "tool.exe was not shared: Only images, PDFs, documents, and text files are allowed")
    assert guest.errors == []  # type: ignore[attr-defined]
    # The browser logs the refused request itself; nothing else went wrong on the host's page.
    assert [e for e in host.errors if "status of 400" not in e] == []  # type: ignore[attr-defined]
