"""The join page in a real browser: WebRTC between two pages, chat with a bot, host controls, waiting room."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from server.meetings import MEETINGS
from server.sockets import SIO
from tests.meetings.support import account, bots, create_meeting
from tests.web.web_support import new_page, screenshot

# Every remote <video> on the page shows a picture (videoWidth > 0) that moves (currentTime advances
# over at least 300 ms, measured within the last second). Synchronous on purpose: wait_for_function
# does not await a promise (an async predicate's promise is truthy at once), so it compares with a
# sample taken on an earlier poll, kept on the page.
REMOTE_VIDEOS_PLAY = """(count) => {
  const videos = [...document.querySelectorAll('[data-testid=remote-video]')];
  if (videos.length !== count || videos.some((v) => !v.videoWidth)) return false;
  const seen = window.__videoSamples || (window.__videoSamples = new WeakMap());
  const now = performance.now();
  let moving = true;
  for (const video of videos) {
    const sample = seen.get(video);
    if (!sample || now - sample.at > 1000) {
      seen.set(video, { time: video.currentTime, at: now });
      moving = false;
    } else if (now - sample.at < 300 || video.currentTime <= sample.time) {
      moving = false;
    }
  }
  if (moving) for (const video of videos) seen.delete(video); // the next wait measures afresh
  return moving;
}"""
LOCAL_MIC_ENABLED = """() => {
  const stream = document.querySelector('[data-testid=local-video]').srcObject;
  return stream.getAudioTracks()[0].enabled;
}"""


def base(web: TestClient) -> str:
    return str(web.make_url("/")).rstrip("/")


async def meeting_of(web: TestClient, **fields: object) -> dict[str, object]:
    owner = await account(web)
    return await create_meeting(web, owner["key"], title="Web test", **fields)


async def joined(page: Page) -> None:
    await expect(page.get_by_test_id("room")).to_be_visible()
    await expect(page.locator("[data-testid=video-tile][data-local=true]")).to_have_count(1)


async def test_two_pages_see_each_other_and_chat_with_a_bot(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web)
    url = f"{base(web)}/join/{meeting['meetingId']}"
    alice = await new_page(chromium, f"{url}?name=Alice")
    await joined(alice)
    bob = await new_page(chromium, f"{url}?name=Bob")
    await joined(bob)
    for page, other in ((alice, "Bob"), (bob, "Alice")):
        await expect(page.locator("[data-testid=video-tile]:not([data-local]) [data-testid=tile-name]")).to_have_text(other)
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    await expect(alice.get_by_test_id("meeting-title")).to_have_text("Web test")
    await screenshot(alice, "join-two-participants")

    async with bots(web, 1) as (bot,):
        await bot.join(str(meeting["meetingId"]), "Robo")
        await bot.sio.emit("chat:message", {"text": "hello <b>from</b> the bot"})
        for page in (alice, bob):
            await page.get_by_test_id("chat-toggle").click()
            messages = page.get_by_test_id("chat-list")
            await expect(messages).to_contain_text("hello <b>from</b> the bot")  # shown as text, not markup
            await expect(messages.locator("b")).to_have_count(0)
        await bob.get_by_test_id("chat-input").fill("hi robot")
        await bob.get_by_test_id("chat-input").press("Enter")
        said = await bot.wait_for("chat:message", 2)
        assert said["text"] == "hi robot" and said["name"] == "Bob"
        await expect(alice.get_by_test_id("chat-list")).to_contain_text("hi robot")
    assert alice.errors == [] and bob.errors == []  # type: ignore[attr-defined]


async def test_host_mutes_locks_admits_and_kicks(web: TestClient, chromium: Browser) -> None:
    # The host starts a guest meeting from the home page, which keeps the admin token in sessionStorage.
    host = await new_page(chromium, f"{base(web)}/")
    await host.get_by_label("Your name").first.fill("Hana Host")
    await host.get_by_label("Meeting title").fill("Host test")
    await host.get_by_test_id("start-button").click()
    await joined(host)
    meeting_id = host.url.split("/join/")[1].split("?")[0]
    url = f"{base(web)}/join/{meeting_id}"
    await host.get_by_test_id("people-toggle").click()
    await expect(host.get_by_test_id("host-panel")).to_be_visible()

    guest = await new_page(chromium, f"{url}?name=Gus")
    await joined(guest)
    assert await guest.evaluate(LOCAL_MIC_ENABLED) is True
    await expect(guest.get_by_test_id("host-panel")).to_be_hidden()
    row = host.locator("[data-testid=participant-row]", has_text="Gus")
    await row.get_by_test_id("mute-participant").click()
    await guest.wait_for_function(f"() => !({LOCAL_MIC_ENABLED})()")
    await expect(guest.get_by_test_id("mic-button")).to_have_text("Unmute")
    await expect(row.get_by_test_id("unmute-participant")).to_be_visible()

    await host.get_by_test_id("lock-toggle").check()
    await expect(host.get_by_test_id("lock-state")).to_be_visible()
    late = await new_page(chromium, f"{url}?name=Lena")
    await expect(late.get_by_test_id("lobby-error")).to_have_text("Meeting is locked")
    await expect(late.get_by_test_id("join-button")).to_be_enabled()

    await host.get_by_test_id("lock-toggle").uncheck()
    await host.get_by_test_id("waiting-room-toggle").check()
    await expect(guest.get_by_test_id("notices")).to_contain_text("unlocked")
    await late.get_by_test_id("join-button").click()
    await expect(late.get_by_test_id("waiting-screen")).to_be_visible()
    await expect(host.get_by_test_id("waiting-badge")).to_have_text("1")
    await host.locator("[data-testid=waiting-row]", has_text="Lena").get_by_test_id("admit-button").click()
    await joined(late)
    await expect(late.locator("[data-testid=video-tile]:not([data-local])")).to_have_count(2)
    await screenshot(host, "join-host-panel")

    await row.get_by_test_id("kick-participant").click()
    await expect(guest.get_by_test_id("gone-title")).to_have_text("You were removed from the meeting")
    await expect(guest.get_by_test_id("gone-message")).to_have_text("Removed by host")
    await expect(host.locator("[data-testid=participant-row]", has_text="Gus")).to_have_count(0)
    for page in (host, guest, late):
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_dropped_socket_rejoins_and_the_call_comes_back(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web)
    meeting_id = str(meeting["meetingId"])
    url = f"{base(web)}/join/{meeting_id}"
    alice = await new_page(chromium, f"{url}?name=Alice")
    await joined(alice)
    bob = await new_page(chromium, f"{url}?name=Bob")
    await joined(bob)
    await alice.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    local = alice.locator("[data-testid=video-tile][data-local=true]")
    first_id = await local.get_attribute("data-participant-id")

    # The server drops Alice's connection; her page reconnects and joins again under a new id.
    seated = web.app[MEETINGS].registry.get(meeting_id).participants.values()
    await web.app[SIO].disconnect(next(p.sid for p in seated if p.name == "Alice"))
    await expect(local).not_to_have_attribute("data-participant-id", first_id or "")
    for page in (alice, bob):
        await expect(page.locator("[data-testid=video-tile]:not([data-local])")).to_have_count(1)
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    await expect(alice.get_by_test_id("notices")).to_contain_text("Reconnected")
