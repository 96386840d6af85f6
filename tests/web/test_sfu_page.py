"""The join page in an SFU meeting (settings.mediaMode "sfu", docs/PROTOCOL.md §9): each page has one
RTCPeerConnection, with the server, and sees everyone else's video through it; a host switches a
meeting between mesh and sfu during the call."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from server.media import MEDIA
from tests.web.test_meeting_details import INSTRUMENT, instrumented
from tests.web.test_meeting_page import REMOTE_VIDEOS_PLAY, base, joined, meeting_of
from tests.web.web_support import new_page, screenshot

# Every connection the page opened, and the state of the ones still open.
CONNECTIONS = """() => ({
  made: window.__test.pcs.length,
  open: window.__test.pcs.filter((pc) => pc.signalingState !== 'closed').map((pc) => pc.connectionState),
  // The SFU's connection only sends on its own transceivers; a mesh one sends and receives on each.
  sfu: window.__test.pcs.filter((pc) => pc.signalingState !== 'closed')
    .map((pc) => pc.getTransceivers().some((t) => t.currentDirection === 'sendonly')),
})"""
# The msid stream id (from the server's SDP) of the video a participant's tile shows.
SHOWN_STREAM = """(participantId) => {
  const video = document.querySelector(`[data-testid=video-tile][data-participant-id="${participantId}"] video`);
  const track = video && video.srcObject && video.srcObject.getVideoTracks()[0];
  const pc = window.__test.pcs.find((p) => p.signalingState !== 'closed');
  const transceiver = track && pc && pc.getTransceivers().find((t) => t.receiver.track === track);
  if (!transceiver) return null;
  const section = pc.remoteDescription.sdp.split(/\\r\\n(?=m=)/).find((s) => s.includes(`\\r\\na=mid:${transceiver.mid}\\r\\n`));
  const msid = section && section.match(/\\r\\na=msid:(\\S+) /);
  return msid ? msid[1] : null;
}"""


async def participant_id(page: Page) -> str:
    return await page.locator("[data-testid=video-tile][data-local=true]").get_attribute("data-participant-id") or ""


async def test_three_pages_meet_through_the_sfu_and_a_leaver_disappears(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web, mediaMode="sfu")
    assert meeting["settings"]["mediaMode"] == "sfu"  # type: ignore[index]
    url = f"{base(web)}/join/{meeting['meetingId']}"
    pages: list[Page] = []
    for name in ("Ana", "Ben", "Cy"):
        page = await instrumented(chromium, f"{url}?name={name}")
        await joined(page)
        await expect(page.get_by_test_id("room")).to_have_attribute("data-media-mode", "sfu")
        pages.append(page)
    ids = [await participant_id(page) for page in pages]

    for page, me in zip(pages, ids, strict=True):
        remote_ids = page.locator("[data-testid=video-tile]:not([data-local])")
        await expect(remote_ids).to_have_count(2)
        assert sorted([await tile.get_attribute("data-participant-id") for tile in await remote_ids.all()]) == sorted(
            i for i in ids if i != me)
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=2, timeout=30_000)  # both others' video, decoded and moving
        await page.wait_for_function(f"() => ({CONNECTIONS})().open.join() === 'connected'")
        assert (await page.evaluate(CONNECTIONS))["made"] == 1  # one connection, with the server

    await screenshot(pages[2], "join-sfu-three")

    # Ana shares her screen: a stream of its own beside her camera; the others show it on her tile.
    ana, ben, cy = pages
    shown = f"({SHOWN_STREAM})({ids[0]!r})"
    await ana.get_by_test_id("share-button").click()
    await expect(ana.get_by_test_id("share-button")).to_have_text("Stop sharing")
    for page in (ben, cy):
        await expect(page.locator(f"[data-testid=video-tile][data-participant-id='{ids[0]}']")).to_have_class(re.compile(r"\bpinned\b"))
        await page.wait_for_function(f"() => {shown} === {ids[0] + '~screen'!r}")
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=2)
    await ana.get_by_test_id("share-button").click()
    for page in (ben, cy):
        await page.wait_for_function(f"() => {shown} === {ids[0]!r}")  # her camera again
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=2)

    # The media server restarts: every page gets sfu:closed and connects again with a new connection.
    process = web.app[MEDIA].worker.process
    assert process is not None
    process.kill()
    made = []
    for page in pages:
        await page.wait_for_function(f"() => ({CONNECTIONS})().made > 1 && ({CONNECTIONS})().open.join() === 'connected'")
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=2, timeout=30_000)
        made.append((await page.evaluate(CONNECTIONS))["made"])

    # Cy leaves: the other two pages drop his tile and keep seeing each other.
    await cy.get_by_test_id("leave-button").click()
    await expect(cy.get_by_test_id("gone-title")).to_have_text("You left the meeting")
    assert (await cy.evaluate(CONNECTIONS))["open"] == []
    for page, count in zip((ana, ben), made, strict=False):
        await expect(page.locator(f"[data-testid=video-tile][data-participant-id='{ids[2]}']")).to_have_count(0)
        await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1)
        assert (await page.evaluate(CONNECTIONS))["made"] == count  # no new connection for someone leaving
    for page in pages:
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_host_switches_a_call_from_mesh_to_sfu_and_back(web: TestClient, chromium: Browser) -> None:
    meeting = await meeting_of(web)
    meeting_id = str(meeting["meetingId"])
    url = f"{base(web)}/join/{meeting_id}"
    host = await new_page(chromium, "")
    await host.context.add_init_script(INSTRUMENT)
    await host.context.add_init_script(f"sessionStorage.setItem('admin_{meeting_id}', {meeting['adminToken']!r});")
    await host.goto(f"{url}?name=Hana")
    await joined(host)
    guest = await instrumented(chromium, f"{url}?name=Gus")
    await joined(guest)
    pages = (host, guest)

    async def calls(mode: str, made: int) -> None:
        for page in pages:
            await expect(page.get_by_test_id("room")).to_have_attribute("data-media-mode", mode)
            await page.wait_for_function(REMOTE_VIDEOS_PLAY, arg=1, timeout=30_000)
            await page.wait_for_function(f"() => ({CONNECTIONS})().open.join() === 'connected'")
            connections = await page.evaluate(CONNECTIONS)
            assert connections["made"] == made and connections["sfu"] == [mode == "sfu"], connections

    await calls("mesh", 1)
    await host.get_by_test_id("people-toggle").click()
    select = host.get_by_test_id("media-mode")
    await expect(select).to_have_value("mesh")
    await select.select_option("sfu")
    await expect(host.get_by_test_id("host-status")).to_have_text("Settings saved")
    await expect(guest.get_by_test_id("notices")).to_contain_text("Media now goes through the server")
    await calls("sfu", 2)  # the mesh connection closed, the server's opened

    await select.select_option("mesh")
    await calls("mesh", 3)  # the one who joined later offers again, as when they met
    for page in pages:
        assert page.errors == []  # type: ignore[attr-defined]
