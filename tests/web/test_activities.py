"""The Activities panel: polls, questions and shared notes between a host page, a guest page and a
python-socketio bot (the events of docs/PROTOCOL.md §7), and a second host page that loads what the
meeting already has."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Locator, Page, expect

from tests.meetings.support import account, bots, create_meeting
from tests.web.test_meeting_details import MARKUP_CHAT, no_markup
from tests.web.test_meeting_page import base, joined
from tests.web.web_support import new_page, screenshot


async def host_page(chromium: Browser, url: str, meeting: dict[str, object], name: str) -> Page:
    page = await new_page(chromium, "")
    await page.context.add_init_script(f"sessionStorage.setItem('admin_{meeting['meetingId']}', {meeting['adminToken']!r});")
    await page.goto(f"{url}?name={name}")
    await joined(page)
    return page


def poll_counts(page: Page) -> Locator:
    return page.get_by_test_id("poll").first.get_by_test_id("poll-count")


async def test_polls_questions_and_notes_between_pages_and_a_bot(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Town hall")
    meeting_id = str(meeting["meetingId"])
    url = f"{base(web)}/join/{meeting_id}"
    host = await host_page(chromium, url, meeting, "Hana")
    guest = await new_page(chromium, f"{url}?name=Gus")
    await joined(guest)
    async with bots(web, 1) as [bot]:
        await bot.join(meeting_id, "Bot")

        # Polls: only the host can start one; the guest sees it arrive while the panel is closed.
        await host.get_by_test_id("activities-toggle").click()
        await expect(host.get_by_test_id("poll-form")).to_be_visible()
        await host.get_by_test_id("poll-question").fill("Lunch?")
        await host.get_by_test_id("poll-options").fill("Pizza\n\n  Soup  \n")
        await host.get_by_test_id("poll-create").click()
        await expect(host.get_by_test_id("poll")).to_have_count(1)
        await expect(host.get_by_test_id("poll-question")).to_have_value("")  # cleared once the poll is there
        await expect(guest.get_by_test_id("activities-badge")).to_have_text("1")
        created = await bot.wait_for("poll:created")
        assert [o["text"] for o in created["options"]] == ["Pizza", "Soup"]
        await guest.get_by_test_id("activities-toggle").click()
        await expect(guest.get_by_test_id("activities-badge")).to_be_hidden()
        await expect(guest.get_by_test_id("poll-form")).to_be_hidden()
        await guest.get_by_test_id("poll-option").nth(1).click()
        await expect(guest.get_by_test_id("poll-option").nth(1)).to_have_attribute("aria-pressed", "true")
        await expect(poll_counts(host)).to_have_text(["0", "1"])
        await bot.sio.emit("poll:vote", {"pollId": created["id"], "optionId": "opt_0"})
        await expect(poll_counts(guest)).to_have_text(["1", "1"])
        await expect(guest.get_by_test_id("poll-total")).to_have_text("2 votes")
        # A second choice changes the guest's vote; it never adds one.
        await guest.get_by_test_id("poll-option").nth(0).click()
        await expect(poll_counts(host)).to_have_text(["2", "0"])
        await host.get_by_test_id("poll-end").click()
        await expect(guest.get_by_test_id("poll-total")).to_have_text("2 votes · ended")
        await expect(guest.get_by_test_id("poll-option").first).to_be_disabled()
        assert (await bot.wait_for("poll:ended"))["totalVotes"] == 2
        # The server's rule decides: too few options is refused, explained by the form, which keeps its text.
        await host.get_by_test_id("poll-question").fill("Alone?")
        await host.get_by_test_id("poll-options").fill("Only one")
        await host.get_by_test_id("poll-create").click()
        await expect(host.get_by_test_id("poll-status")).to_have_text("Provide question and 2-10 options")
        await expect(host.get_by_test_id("poll-question")).to_have_value("Alone?")
        await expect(host.get_by_test_id("poll")).to_have_count(1)

        # Questions: asked by the guest (markup stays text) and the bot; upvoted, answered, dismissed.
        await guest.get_by_test_id("qa-input").fill(MARKUP_CHAT)
        await guest.get_by_test_id("qa-ask").click()
        await bot.sio.emit("qa:ask", {"text": "When is the next one?"})
        questions = host.get_by_test_id("question")
        await expect(questions).to_have_count(2)
        await expect(questions.nth(0)).to_contain_text(MARKUP_CHAT)
        await expect(questions.nth(0)).to_contain_text("Asked by Gus")
        await expect(questions.nth(1)).to_contain_text("Asked by Bot")
        await guest.get_by_test_id("question").nth(1).get_by_test_id("qa-upvote").click()
        await expect(questions.nth(1).get_by_test_id("qa-upvote")).to_have_text("▲ 1")
        await expect(guest.get_by_test_id("qa-answer-input")).to_have_count(0)  # guests do not answer
        await questions.nth(0).get_by_test_id("qa-answer-input").fill("Markup is shown as text")
        await questions.nth(0).get_by_test_id("qa-answer-button").click()
        await expect(guest.get_by_test_id("qa-answer")).to_have_text("Hana: Markup is shown as text")
        await questions.nth(1).get_by_test_id("qa-dismiss").click()
        await expect(guest.get_by_test_id("question")).to_have_count(1)
        assert (await bot.wait_for("qa:updated", 3)) == {"questionId": (await bot.wait_for("qa:new", 2))["id"], "dismissed": True}

        # Notes: the host writes, everyone reads; a guest cannot edit.
        await expect(guest.get_by_test_id("notes-text")).to_have_attribute("readonly", "")
        await host.get_by_test_id("notes-text").fill("1. Lunch\n2. Next town hall")
        await expect(guest.get_by_test_id("notes-text")).to_have_value("1. Lunch\n2. Next town hall")
        await expect(guest.get_by_test_id("notes-by")).to_have_text("Last edited by Hana")
        assert (await bot.wait_for("notes:updated"))["content"] == "1. Lunch\n2. Next town hall"

        # A host page that joins now loads the meeting's polls, open questions and notes.
        second = await host_page(chromium, url, meeting, "Hal")
        await second.get_by_test_id("activities-toggle").click()
        await expect(second.get_by_test_id("poll")).to_have_count(1)
        await expect(poll_counts(second)).to_have_text(["2", "0"])
        await expect(second.get_by_test_id("poll-total")).to_have_text("2 votes · ended")
        await expect(second.get_by_test_id("question")).to_have_count(1)
        await expect(second.get_by_test_id("qa-answer")).to_have_text("Hana: Markup is shown as text")
        await expect(second.get_by_test_id("notes-text")).to_have_value("1. Lunch\n2. Next town hall")

    await screenshot(guest, "meeting-activities")
    await no_markup(guest)
    await no_markup(host)
    for page in (host, guest, second):
        assert page.errors == []  # type: ignore[attr-defined]
