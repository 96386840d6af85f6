"""Room controls: switching camera or microphone during a meeting (the Devices panel: every peer
gets the new track without a new negotiation, the old one is released, mute carries over), and
copying the meeting's link."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from tests.web.test_meeting_details import instrumented
from tests.web.test_meeting_page import LOCAL_MIC_ENABLED, REMOTE_VIDEOS_PLAY, base, joined, meeting_of
from tests.web.web_support import new_page

SENT_AUDIO = """() => {
  const pc = window.__test.pcs.find((p) => p.signalingState !== 'closed');
  const sender = pc && pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
  return sender ? {id: sender.track.id, label: sender.track.label, enabled: sender.track.enabled} : null;
}"""
LOCAL_AUDIO_ID = """() => document.querySelector('[data-testid=local-video]').srcObject.getAudioTracks()[0].id"""
ENDED_MICS = """() => window.__test.tracks.filter((t) => t.kind === 'audio' && t.readyState === 'ended').length"""


async def test_a_microphone_switched_in_the_meeting_reaches_the_peer_muted_as_before(
    web: TestClient, chromium: Browser
) -> None:
    meeting = await meeting_of(web)
    url = f"{base(web)}/join/{meeting['meetingId']}"
    alice = await instrumented(chromium, f"{url}?name=Alice")
    await joined(alice)
    bob = await instrumented(chromium, f"{url}?name=Bob")
    await joined(bob)
    for page in (alice, bob):
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    before = await alice.evaluate(SENT_AUDIO)
    assert before is not None and before["enabled"]
    descriptions = await alice.evaluate("() => window.__test.descriptions()")

    await alice.get_by_test_id("mic-button").click()  # muted before the switch
    await alice.get_by_test_id("devices-toggle").click()
    panel = alice.get_by_test_id("devices-panel")
    await expect(panel).to_be_visible()
    await expect(alice.get_by_test_id("devices-toggle")).to_have_attribute("aria-expanded", "true")
    mics = alice.get_by_test_id("room-mic-select").locator("option")
    count = await mics.count()
    assert count >= 2, "Chromium's fake devices offer several microphones"
    current = await alice.get_by_test_id("room-mic-select").input_value()
    other = next(v for v in [await mics.nth(i).get_attribute("value") for i in range(count)] if v != current)
    assert other is not None
    await alice.get_by_test_id("room-mic-select").select_option(other)

    await alice.wait_for_function(f"() => ({SENT_AUDIO})()?.id !== {before['id']!r}")
    after = await alice.evaluate(SENT_AUDIO)
    assert after["enabled"] is False  # still muted
    assert await alice.evaluate(LOCAL_AUDIO_ID) == after["id"]
    assert await alice.evaluate(LOCAL_MIC_ENABLED) is False
    assert await alice.evaluate(ENDED_MICS) >= 1  # the old microphone was released
    # Both selects, the meeting's and the lobby's, name the device now in use; no renegotiation.
    await expect(alice.get_by_test_id("room-mic-select")).to_have_value(other)
    await expect(alice.get_by_test_id("mic-select")).to_have_value(other)
    await expect(alice.get_by_test_id("devices-status")).to_have_text("")
    assert await alice.evaluate("() => window.__test.descriptions()") == descriptions
    # Bob still sees Alice; the camera select is usable only when there is a choice.
    await bob.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
    cameras = await alice.get_by_test_id("room-camera-select").locator("option").count()
    assert await alice.get_by_test_id("room-camera-select").is_disabled() == (cameras < 2)

    await alice.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await alice.get_by_test_id("mic-button").click()
    await alice.wait_for_function(f"() => ({SENT_AUDIO})()?.enabled === true")
    assert alice.errors == [] and bob.errors == []  # type: ignore[attr-defined]


async def test_the_meeting_link_is_copied_without_the_name(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web)
    url = f"{base(web)}/join/{meeting['meetingId']}"
    page = await new_page(chromium, f"{url}?name=Carla", permissions=["camera", "microphone", "clipboard-read", "clipboard-write"])
    await joined(page)
    await page.get_by_test_id("copy-link").click()
    await expect(page.get_by_test_id("notices")).to_contain_text("Meeting link copied")
    assert await page.evaluate("() => navigator.clipboard.readText()") == url
    assert page.errors == []  # type: ignore[attr-defined]
