"""The dashboard's webhooks and company sections and the /billing page, driven in Chromium.

A person's actions go through the pages; what lies outside the browser is faked or done over
REST as the outside world would: a webhook receiver on 127.0.0.1, a meeting run by an API client
and a Socket.IO bot, a fake Stripe that also serves its checkout page, a signed Stripe webhook."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web as aio
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, Page, expect

from tests.billing.support import FakeStripe, paid_event, signed, stripe_server
from tests.conftest import StartServer, eventually
from tests.http.http_support import PASSWORD, unique_email
from tests.meetings.support import bots, create_meeting
from tests.web.web_support import accept_dialogs, new_page, register_through_page, screenshot
from tests.webhooks.support import FAST, legacy_signature_ok, receiver, standard_signature_ok

MNEMONIC = "test test test test test test test test test test test junk"
FIRST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the mnemonic's account 0


async def dashboard_of_new_account(chromium: Browser, server: TestClient, prefix: str, **company: str) -> Page:
    """A fresh account registered through /register, left on its dashboard (the balance loaded)."""
    page = await new_page(chromium, str(server.make_url("/register")))
    await register_through_page(page, unique_email(prefix), **company)
    await page.get_by_role("link", name="Continue to your dashboard").click()
    await expect(page.locator("#profile-balance")).to_have_text("$5.0000")
    return page


def no_errors(page: Page) -> None:
    assert page.errors == []  # type: ignore[attr-defined]


async def fits_a_phone(page: Page) -> None:
    """At 375 px nothing scrolls the page sideways (wide tables scroll inside their own box)."""
    await page.set_viewport_size({"width": 375, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await page.set_viewport_size({"width": 1280, "height": 800})


# -- webhooks --------------------------------------------------------------------------------------


async def test_webhook_secret_shown_once_deliveries_signed_retried_and_hook_deleted(
    chromium: Browser, start_server: StartServer
) -> None:
    async with receiver() as hooks:
        # The first delivery is refused with a 400 (final, never retried), so "Retry now" has work to do.
        hooks.plan = [400]
        server = await start_server(**{**FAST, "webhook_retry_scale": 0.001})
        page = await new_page(chromium, str(server.make_url("/register")))
        dialogs = accept_dialogs(page)
        api_key = await register_through_page(page, unique_email("hooks"))
        await page.get_by_role("link", name="Continue to your dashboard").click()

        form = page.locator("#webhook-form")
        await expect(form).to_be_visible()  # the account's sections show once /api/auth/me answers; focus waits for nothing
        # By keyboard: Space toggles an event (meeting.started is preticked), Enter in the URL field submits.
        for event in ("meeting.started", "participant.joined"):
            await form.get_by_label(event).focus()
            await page.keyboard.press("Space")
        await form.get_by_label("URL").fill(hooks.url)
        await form.get_by_label("URL").press("Enter")
        secret_field = page.locator("#webhook-secret input.secret")
        await expect(secret_field).to_be_visible()
        secret = await secret_field.input_value()
        assert re.fullmatch(r"[0-9a-f]{48}", secret)
        await expect(page.locator("#webhooks-status")).to_have_text("Webhook added.")
        hook_row = page.locator("#webhook-list tbody tr", has_text=hooks.url)
        await expect(hook_row.locator('td[data-label="Events"]')).to_have_text("meeting.ended, participant.joined")
        await expect(hook_row.locator('td[data-label="Active"]')).to_have_text("yes")

        # Shown once: after a reload the hook is listed, its secret is nowhere on the page.
        await page.reload()
        await expect(hook_row).to_have_count(1)
        await expect(page.locator("#webhook-secret")).to_be_empty()
        assert secret not in await page.content()

        # A meeting created with the account's key, joined by a bot, ended by its host.
        meeting = await create_meeting(server, {"x-api-key": api_key}, title="Hooked")
        async with bots(server, 1) as [bot]:
            await bot.join(meeting["meetingId"], "Bot")
            await hooks.wait_for("participant.joined")
            resp = await server.delete(f"/api/meetings/{meeting['meetingId']}", headers=meeting["admin"])
            assert resp.status == 200, await resp.text()
        await hooks.wait_for("meeting.ended")

        deliveries = page.locator("#webhook-deliveries")
        show = page.get_by_role("button", name=f"Deliveries of {hooks.url}")

        async def shows(event: str, status: str, *, refresh: bool = False) -> bool:
            """Open (again) the hook's deliveries, or press its Refresh button, to see the latest state."""
            await (deliveries.get_by_test_id("deliveries-refresh") if refresh else show).click()
            await expect(deliveries.locator("h3")).to_have_text(f"Deliveries to {hooks.url}")
            cell = deliveries.locator("tbody tr", has_text=event).locator('td[data-label="Status"]')
            return await cell.count() == 1 and await cell.inner_text() == status

        await eventually(lambda: shows("meeting.ended", "delivered"), timeout=10, interval=0.1)
        refused = deliveries.locator("tbody tr", has_text="participant.joined")
        await expect(refused.locator('td[data-label="Status"]')).to_have_text("failed")
        await expect(refused.locator('td[data-label="Last HTTP status"]')).to_have_text("400")
        assert await deliveries.locator("tbody tr", has_text="meeting.ended").get_by_role("button").count() == 0

        await refused.get_by_role("button", name="Retry now").click()
        await expect(page.locator("#webhooks-status")).to_have_text("Delivery queued again.")
        await hooks.wait_for("participant.joined", count=2)
        await eventually(lambda: shows("participant.joined", "delivered", refresh=True), timeout=10, interval=0.1)
        await expect(refused.locator('td[data-label="Attempts"]')).to_have_text("2")
        await screenshot(page, "dashboard-webhooks")
        await fits_a_phone(page)

        # Every request the receiver got verifies with the secret the page showed.
        assert [r.event for r in hooks.requests] == ["participant.joined", "meeting.ended", "participant.joined"]
        assert all(legacy_signature_ok(secret, r) and standard_signature_ok(secret, r) for r in hooks.requests)

        await page.get_by_role("button", name=f"Delete webhook {hooks.url}").click()
        await expect(page.locator("#webhooks-status")).to_have_text("Webhook deleted")
        await expect(hook_row).to_have_count(0)
        await expect(page.locator("#webhook-list td.empty")).to_have_text("No webhooks yet.")
        await expect(deliveries).to_be_empty()
        assert dialogs == [f"confirm: Delete the webhook for {hooks.url}? Pending deliveries are dropped."]
        no_errors(page)


# -- company ---------------------------------------------------------------------------------------


async def test_owner_shares_invite_code_member_joins_and_owner_removes_them(
    chromium: Browser, start_server: StartServer
) -> None:
    server = await start_server()
    owner_email, member_email = unique_email("owner"), unique_email("member")
    owner = await new_page(chromium, str(server.make_url("/register")))
    owner_dialogs = accept_dialogs(owner)
    await register_through_page(owner, owner_email, name="Acme <b>Ltd</b>")
    invite_code = await owner.locator("#welcome-invite input.secret").input_value()
    assert invite_code
    await owner.get_by_role("link", name="Continue to your dashboard").click()
    await expect(owner.locator("#profile-type")).to_have_text("company")
    await expect(owner.locator("#profile-company")).to_have_text("Acme <b>Ltd</b>")
    await expect(owner.locator("#company-body input.secret")).to_have_value(invite_code)
    await expect(owner.locator("#company-body tbody tr")).to_have_count(1)

    member = await dashboard_of_new_account(chromium, server, "member-page")
    await expect(member.locator("#company-body")).to_contain_text("You are not part of a company.")
    await member.get_by_label("Invite code").fill(invite_code)
    await member.get_by_role("button", name="Join company").click()
    await expect(member.locator("#company-status")).to_have_text("Joined Acme <b>Ltd</b>")
    # The page reloads into the member's view: the company, its members, no invite code, no Remove.
    await expect(member.locator("#profile-company")).to_have_text("Acme <b>Ltd</b>")
    # One shared balance: the company's $5 plus the $5 the member brought.
    await expect(member.locator("#profile-balance")).to_have_text("$10.0000")
    await expect(member.locator("#company-body tbody tr")).to_have_count(2)
    assert await member.locator("#company-body input.secret").count() == 0
    assert await member.locator("#company-body").get_by_role("button", name=re.compile("^Remove")).count() == 0
    member_email = await member.locator("#profile-email").inner_text()

    await owner.reload()
    rows = owner.locator("#company-body tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text(owner_email)
    await expect(rows.nth(0).locator('td[data-label="Role"]')).to_have_text("owner")
    await expect(rows.nth(1)).to_contain_text(member_email)
    await expect(rows.nth(1).locator('td[data-label="Role"]')).to_have_text("member")
    assert await owner.get_by_role("button", name=f"Remove {owner_email}").count() == 0
    await owner.locator("#company").scroll_into_view_if_needed()
    await screenshot(owner, "dashboard-company")
    await fits_a_phone(owner)

    await owner.get_by_role("button", name=f"Remove {member_email}").click()
    await expect(owner.locator("#company-status")).to_have_text("Member removed")
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text(owner_email)
    assert owner_dialogs == [f"confirm: Remove {member_email} from the company?"]

    await member.reload()
    await expect(member.locator("#company-body")).to_contain_text("You are not part of a company.")
    await expect(member.locator("#profile-company")).to_have_text("—")
    assert await owner.evaluate("document.querySelectorAll('b').length") == 0
    no_errors(owner)
    no_errors(member)


# -- billing ---------------------------------------------------------------------------------------


class StripeWithCheckoutPage(FakeStripe):
    """The Checkout page the browser is sent to: a tiny page of our own, so the navigation lands."""

    def app(self) -> aio.Application:
        app = super().app()

        async def checkout_page(request: aio.Request) -> aio.Response:
            page = '<!doctype html><link rel="icon" href="data:,"><title>Fake Checkout</title><h1>Pay</h1>'
            return aio.Response(text=page, content_type="text/html")

        app.router.add_get("/pay/{session}", checkout_page)
        return app


@asynccontextmanager
async def fake_stripe_with_page() -> AsyncIterator[FakeStripe]:
    fake = StripeWithCheckoutPage()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


async def test_billing_shows_balance_tops_up_through_stripe_and_shows_the_usdc_address(
    chromium: Browser, start_server: StartServer
) -> None:
    async with fake_stripe_with_page() as fake:
        server = await stripe_server(start_server, fake, crypto_mnemonic=MNEMONIC)
        page = await dashboard_of_new_account(chromium, server, "payer")
        await page.get_by_role("link", name="Top up").click()
        await expect(page).to_have_url(re.compile(r"/billing$"))

        await expect(page.locator("#balance-amount")).to_have_text("$5.0000")
        signup = page.locator("#transaction-list tbody tr", has_text="signup_credit")
        await expect(signup).to_have_count(1)
        await expect(signup.locator('td[data-label="Amount (USD)"]')).to_have_text("5.0000")
        await expect(page.locator("#usdc-body input.secret")).to_have_value(FIRST_ADDRESS)
        await screenshot(page, "billing")
        await fits_a_phone(page)

        await page.get_by_label("Amount in USD ($5–$1000)").fill("20")
        await page.get_by_role("button", name="Pay with Stripe").click()
        await page.wait_for_url(f"{fake.url}/pay/**")
        await expect(page).to_have_title("Fake Checkout")
        [session] = fake.sessions.values()
        assert page.url == session["url"] and session["amount_total"] == 2000

        raw, headers = signed(paid_event(session))
        resp = await server.post("/api/billing/stripe/webhook", data=raw, headers=headers)
        assert resp.status == 200, await resp.text()

        await page.goto(str(server.make_url("/billing?success=1")))
        await expect(page.locator("#billing-notice")).to_contain_text("Payment received")
        await expect(page.locator("#balance-amount")).to_have_text("$25.0000")
        topup = page.locator("#transaction-list tbody tr", has_text="stripe_topup")
        await expect(topup).to_have_count(1)
        await expect(topup.locator('td[data-label="Amount (USD)"]')).to_have_text("20.0000")
        await expect(topup.locator('td[data-label="Reference"]')).to_have_text(session["id"])
        no_errors(page)


async def test_billing_without_stripe_or_crypto_says_not_configured(chromium: Browser, start_server: StartServer) -> None:
    server = await start_server()
    page = await dashboard_of_new_account(chromium, server, "unpaid")
    email = await page.locator("#profile-email").inner_text()
    # Signed out, /billing sends the visitor to sign in and, once signed in, back to /billing.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(str(server.make_url("/billing")))
    await expect(page).to_have_url(re.compile(r"/dashboard\?next=/billing$"))
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/billing$"))

    await expect(page.locator("#usdc-status")).to_have_text("USDC deposits are not configured on this server.")
    assert await page.locator("#usdc-body").inner_text() == ""
    await expect(page.locator("#topup-status")).to_have_text("Card payments are not configured on this server.")
    await expect(page.get_by_role("button", name="Pay with Stripe")).to_be_hidden()
    await expect(page).to_have_url(re.compile(r"/billing$"))
    await expect(page.locator("#balance-amount")).to_have_text("$5.0000")
    # The browser logs the signed-out dashboard's 401 and the checkout's 400; nothing else may be logged.
    assert {re.sub(r".*status of (\d+).*", r"\1", e) for e in page.errors} <= {"400", "401"}, page.errors  # type: ignore[attr-defined]
