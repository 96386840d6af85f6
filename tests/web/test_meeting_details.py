"""The join page in detail: lobby refusals, in-call signals between two pages, keyboard and phone use,
markup in names and chat shown as text, the waiting room's denial, the end of a meeting, clean-up on leave
and re-joins that do not duplicate anything."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from server.meetings import MEETINGS
from server.sockets import SIO
from tests.meetings.support import account, bots, create_meeting
from tests.web.test_meeting_page import REMOTE_VIDEOS_PLAY, base, joined
from tests.web.web_support import accept_dialogs, new_page, screenshot

# Counts what the page creates, so a test can see what it leaves behind: every RTCPeerConnection,
# every camera / microphone / screen track, and every setLocalDescription (an offer or an answer).
INSTRUMENT = """(() => {
  const pcs = []; const tracks = []; let descriptions = 0;
  window.__test = { pcs, tracks, descriptions: () => descriptions,
    openPeers: () => pcs.filter((pc) => pc.signalingState !== 'closed').length,
    liveTracks: () => tracks.filter((t) => t.readyState !== 'ended').length };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native { constructor(...args) { super(...args); pcs.push(this); } };
  const setLocal = Native.prototype.setLocalDescription;
  Native.prototype.setLocalDescription = function (...args) { descriptions += 1; return setLocal.apply(this, args); };
  const devices = navigator.mediaDevices;
  for (const name of ['getUserMedia', 'getDisplayMedia']) {
    const original = devices[name].bind(devices);
    devices[name] = async (...args) => { const got = await original(...args); tracks.push(...got.getTracks()); return got; };
  }
})();"""
SENT_VIDEO_LABEL = """() => {
  const pc = window.__test.pcs.find((p) => p.signalingState !== 'closed');
  const sender = pc && pc.getSenders().find((s) => s.track && s.track.kind === 'video');
  return sender ? sender.track.label : '';
}"""
MARKUP_NAME = "<img src=x onerror=alert(1)><i>Bob</i>"
MARKUP_CHAT = "<script>alert(1)</script><b>bold?</b>"


NOTICE_COVERS_CHAT_HEADING = """() => {
  const head = document.getElementById('chat-heading').getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid=notice]')].some((notice) => {
    const r = notice.getBoundingClientRect();
    return r.width > 0 && r.bottom > head.top && r.top < head.bottom && r.right > head.left && r.left < head.right;
  });
}"""


async def instrumented(chromium: Browser, url: str, **context: Any) -> Page:
    page = await new_page(chromium, "", **context)
    await page.context.add_init_script(INSTRUMENT)
    await page.goto(url)
    return page


async def no_markup(page: Page) -> None:
    """Nothing a person typed became an element: the page itself has no img, i, b or script in its body."""
    assert await page.evaluate("() => document.body.querySelectorAll('img, i, b, script').length") == 0


def remote_tile(page: Page, name: str) -> Any:
    return page.locator("[data-testid=video-tile]:not([data-local])", has=page.get_by_test_id("tile-name").get_by_text(name, exact=True))


async def test_the_lobby_explains_full_scheduled_and_unknown_meetings(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    full = await create_meeting(web, owner["key"], title="Small", maxParticipants=2)
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = await create_meeting(web, owner["key"], title="Later", scheduledAt=later)
    async with bots(web, 2) as (one, two):
        await one.join(str(full["meetingId"]), "One")
        await two.join(str(full["meetingId"]), "Two")
        page = await new_page(chromium, f"{base(web)}/join/{full['meetingId']}?name=Third")
        error = page.get_by_test_id("lobby-error")
        await expect(error).to_have_text("Meeting is full")
        await expect(page.get_by_test_id("join-button")).to_be_enabled()
        await expect(page.get_by_test_id("room")).to_be_hidden()
    await page.goto(f"{base(web)}/join/{scheduled['meetingId']}?name=Early")
    await expect(error).to_contain_text("This meeting is scheduled for")
    await expect(error).to_contain_text("Please wait until it starts.")
    await page.goto(f"{base(web)}/join/nosuchmeeting?name=Lost")
    await expect(error).to_have_text("Meeting not found")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_two_pages_signal_share_record_and_clean_up(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Details")
    meeting_id = str(meeting["meetingId"])
    url = f"{base(web)}/join/{meeting_id}"
    alice = await instrumented(chromium, f"{url}?name=Alice")
    await joined(alice)
    # Bob is on a phone; his name is markup.
    bob = await instrumented(chromium, f"{url}?name={quote(MARKUP_NAME)}", viewport={"width": 375, "height": 740})
    await joined(bob)
    for page in (alice, bob):
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)

    # Markup in a name is text on Alice's tile, notice and people list, and in Bob's chat line.
    await expect(remote_tile(alice, MARKUP_NAME)).to_have_count(1)
    await expect(alice.get_by_test_id("notices")).to_contain_text(f"{MARKUP_NAME} joined")
    await alice.get_by_test_id("people-toggle").click()
    await expect(alice.get_by_test_id("participant-list")).to_contain_text(MARKUP_NAME)
    await bob.get_by_test_id("chat-toggle").click()
    await bob.get_by_label("Message").fill(MARKUP_CHAT)
    await bob.get_by_label("Message").press("Enter")
    await alice.get_by_test_id("chat-toggle").click()
    line = alice.get_by_test_id("chat-message")
    await expect(line).to_contain_text(MARKUP_NAME)
    await expect(line).to_contain_text(MARKUP_CHAT)
    for page in (alice, bob):
        await no_markup(page)

    # The meeting timer runs.
    await expect(alice.get_by_test_id("meeting-timer")).not_to_have_text("0:00")

    # Hand, reaction, mute and camera off show on the other page.
    alice_on_bob = remote_tile(bob, "Alice")
    await alice.get_by_test_id("hand-button").click()
    await expect(alice_on_bob.locator("[data-badge=hand]")).to_have_count(1)
    await expect(alice.get_by_test_id("hand-button")).to_have_text("Lower hand")
    await alice.locator("[data-testid=reaction-button][data-emoji='\U0001F389']").click()
    await expect(alice_on_bob.locator(".tile-reaction")).to_have_text("\U0001F389")
    await alice.get_by_test_id("mic-button").click()
    await expect(alice_on_bob.locator("[data-badge=muted]")).to_have_count(1)
    await expect(alice_on_bob.locator(".avatar")).to_be_hidden()
    await alice.get_by_test_id("camera-button").click()
    await expect(alice_on_bob).to_have_class(re.compile(r"\bvideo-off\b"))
    await expect(alice_on_bob.locator(".avatar")).to_be_visible()
    await expect(alice_on_bob.locator(".avatar")).to_have_text("A")
    await alice.get_by_test_id("camera-button").click()
    await expect(alice_on_bob.locator(".avatar")).to_be_hidden()

    # Screen share swaps the camera track on the same connection: no new offer or answer.
    camera_label = await alice.evaluate(SENT_VIDEO_LABEL)
    descriptions = await alice.evaluate("() => window.__test.descriptions()")
    await alice.get_by_test_id("share-button").click()
    await expect(alice.get_by_test_id("share-button")).to_have_text("Stop sharing")
    await alice.wait_for_function(f"() => ({SENT_VIDEO_LABEL})().startsWith('screen')")
    await expect(alice_on_bob.locator("[data-badge=screen]")).to_have_count(1)
    await expect(alice_on_bob).to_have_class(re.compile(r"\bpinned\b"))  # Bob's page follows a new share
    await bob.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    await alice.get_by_test_id("share-button").click()
    await alice.wait_for_function(f"() => ({SENT_VIDEO_LABEL})() === {camera_label!r}")
    await expect(alice_on_bob.locator("[data-badge=screen]")).to_have_count(0)
    assert await alice.evaluate("() => window.__test.descriptions()") == descriptions

    # A host bot starts and stops a recording: both pages show, then drop, the consent banner.
    async with bots(web, 1) as (recorder,):
        await recorder.join(meeting_id, "Rita Recorder", isAdmin=True, adminToken=meeting["adminToken"])
        await recorder.sio.emit("recording:broadcast-started", {})
        for page in (alice, bob):
            await expect(page.get_by_test_id("recording-banner")).to_be_visible()
            await expect(page.get_by_test_id("recording-banner")).to_contain_text("recorded by Rita Recorder")
        await recorder.sio.emit("recording:broadcast-stopped", {})
        for page in (alice, bob):
            await expect(page.get_by_test_id("recording-banner")).to_be_hidden()
    await expect(alice.locator("[data-testid=video-tile]:not([data-local])")).to_have_count(1)

    # Bob's phone-width page has no horizontal scroll, with the chat open and closed.
    width = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert await bob.evaluate(width)
    # Its notices (Rita joined / left) do not cover the open chat panel's heading.
    await expect(bob.get_by_test_id("notice").last).to_be_visible()
    assert not await bob.evaluate(NOTICE_COVERS_CHAT_HEADING)
    await screenshot(bob, "join-phone-chat")
    await bob.keyboard.press("Escape")
    await expect(bob.get_by_test_id("chat-panel")).to_be_hidden()
    assert await bob.evaluate(width)

    # Alice leaves: her connections close and her camera and microphone stop; Bob's connection to her closes.
    await alice.get_by_test_id("leave-button").click()
    await expect(alice.get_by_test_id("gone-title")).to_have_text("You left the meeting")
    assert await alice.evaluate("() => window.__test.openPeers()") == 0
    assert await alice.evaluate("() => window.__test.liveTracks()") == 0
    assert await alice.evaluate("() => window.__test.tracks.length") >= 3  # camera, microphone, screen
    await expect(bob.locator("[data-testid=video-tile]:not([data-local])")).to_have_count(0)
    assert await bob.evaluate("() => window.__test.openPeers()") == 0
    assert await bob.evaluate("() => window.__test.pcs.length") >= 2  # Alice's and the bot's
    for page in (alice, bob):
        assert page.errors == []  # type: ignore[attr-defined]


async def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Keys")
    page = await new_page(chromium, f"{base(web)}/join/{meeting['meetingId']}?name=Kim")
    await joined(page)
    reached: dict[str, bool] = {}
    for _ in range(30):
        await page.keyboard.press("Tab")
        key, visible = await page.evaluate("""() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          const key = el.dataset.testid === 'reaction-button' ? `reaction ${el.dataset.emoji}` : (el.dataset.testid || el.id || el.tagName);
          return [key, style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2];
        }""")
        reached[key] = visible
    wanted = ["mic-button", "camera-button", "share-button", "blur-button", "hand-button", "chat-toggle",
              "people-toggle", "leave-button", "pin-button"]
    assert all(name in reached for name in wanted), reached
    assert len([name for name in reached if name.startswith("reaction ")]) == 5, reached
    assert all(reached[name] for name in reached if name != "BODY"), reached

    # The chat opens from the keyboard into its labelled input; Escape closes it and gives focus back.
    await page.get_by_test_id("chat-toggle").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Message")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("chat-panel")).to_be_hidden()
    await expect(page.get_by_test_id("chat-toggle")).to_be_focused()
    await expect(page.get_by_test_id("chat-toggle")).to_have_attribute("aria-expanded", "false")
    await page.get_by_test_id("people-toggle").click()
    await expect(page.get_by_test_id("people-panel")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("people-panel")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


async def test_waiting_guest_is_denied_and_a_guest_inside_sees_the_end(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Door", waitingRoom=True)
    meeting_id = str(meeting["meetingId"])
    url = f"{base(web)}/join/{meeting_id}"
    host = await new_page(chromium, "")
    await host.context.add_init_script(f"sessionStorage.setItem('admin_{meeting_id}', {meeting['adminToken']!r});")
    accept_dialogs(host)
    await host.goto(f"{url}?name=Hana")
    await joined(host)
    await host.get_by_test_id("people-toggle").click()
    await expect(host.get_by_test_id("host-panel")).to_be_visible()

    stranger = await instrumented(chromium, f"{url}?name={quote(MARKUP_NAME)}")
    await expect(stranger.get_by_test_id("waiting-screen")).to_be_visible()
    row = host.get_by_test_id("waiting-row")
    await expect(row).to_contain_text(MARKUP_NAME)
    await expect(host.get_by_test_id("notices")).to_contain_text(f"{MARKUP_NAME} is waiting to join")
    await expect(host.get_by_test_id("waiting-badge")).to_have_text("1")
    await no_markup(host)
    # The host's socket drops and re-joins: the queue it was shown is still there and still works.
    host_tile = host.locator("[data-testid=video-tile][data-local=true]")
    seat_id = await host_tile.get_attribute("data-participant-id")
    seated = web.app[MEETINGS].registry.get(meeting_id).participants.values()
    await web.app[SIO].disconnect(next(p.sid for p in seated if p.name == "Hana"))
    await expect(host_tile).not_to_have_attribute("data-participant-id", seat_id or "")
    await expect(host.get_by_test_id("host-panel")).to_be_visible()
    await expect(row).to_contain_text(MARKUP_NAME)
    await row.get_by_test_id("deny-button").click()
    await expect(stranger.get_by_test_id("gone-title")).to_have_text("You were not admitted")
    await expect(stranger.get_by_test_id("gone-message")).to_have_text("The host did not admit you to this meeting.")
    assert await stranger.evaluate("() => window.__test.liveTracks()") == 0
    await expect(host.get_by_test_id("waiting-badge")).to_be_hidden()

    await host.get_by_test_id("waiting-room-toggle").uncheck()
    await expect(host.get_by_test_id("host-status")).to_have_text("Settings saved")
    guest = await instrumented(chromium, f"{url}?name=Gus")
    await joined(guest)
    await guest.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    await host.get_by_test_id("end-meeting").click()
    await expect(guest.get_by_test_id("gone-title")).to_have_text("The meeting has ended")
    await expect(guest.get_by_test_id("gone-message")).to_have_text("Meeting ended by admin")
    await expect(guest.get_by_test_id("rejoin-button")).to_be_hidden()
    assert await guest.evaluate("() => window.__test.openPeers()") == 0
    assert await guest.evaluate("() => window.__test.liveTracks()") == 0
    await expect(host.get_by_test_id("gone-title")).to_have_text("The meeting has ended")
    for page in (host, stranger, guest):
        assert page.errors == []  # type: ignore[attr-defined]


async def test_two_reconnects_leave_one_handler_per_event(web: TestClient, chromium: Browser) -> None:
    owner = await account(web)
    meeting = await create_meeting(web, owner["key"], title="Flaky")
    meeting_id = str(meeting["meetingId"])
    page = await new_page(chromium, f"{base(web)}/join/{meeting_id}?name=Alice")
    await joined(page)
    local = page.locator("[data-testid=video-tile][data-local=true]")
    await page.get_by_test_id("hand-button").click()
    await expect(page.get_by_test_id("hand-button")).to_have_text("Lower hand")
    for _ in range(2):
        seat_id = await local.get_attribute("data-participant-id")
        seated = web.app[MEETINGS].registry.get(meeting_id).participants.values()
        await web.app[SIO].disconnect(next(p.sid for p in seated if p.name == "Alice"))
        await expect(local).not_to_have_attribute("data-participant-id", seat_id or "")
    await expect(page.get_by_test_id("meeting-timer")).not_to_have_text("0:00")  # one timer, still running
    # The new seat's hand is down, and the button says so.
    await expect(page.get_by_test_id("hand-button")).to_have_text("Raise hand")
    await expect(page.get_by_test_id("hand-button")).to_have_attribute("aria-pressed", "false")
    async with bots(web, 1) as (bot,):
        await bot.join(meeting_id, "Robo")
        await expect(page.locator("[data-testid=video-tile]:not([data-local])")).to_have_count(1)
        await bot.sio.emit("chat:message", {"text": "once"})
        await page.get_by_test_id("chat-toggle").click()
        await expect(page.get_by_test_id("chat-message")).to_contain_text("once")
        await expect(page.get_by_test_id("chat-message")).to_have_count(1)  # handlers run in one go: a duplicate would be here
        await expect(page.locator("[data-testid=notice]", has_text="Robo joined")).to_have_count(1)
    assert page.errors == []  # type: ignore[attr-defined]
