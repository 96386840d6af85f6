"""Transactional mail: Resend when RESEND_API_KEY is set, and always recorded in ``mail_outbox``."""
from __future__ import annotations

import asyncio
import html
import logging

from server.settings import Settings
from store.mongo.mail_outbox import MailOutbox

log = logging.getLogger(__name__)


class Mailer:
    def __init__(self, settings: Settings, outbox: MailOutbox) -> None:
        self.settings = settings
        self.outbox = outbox

    async def send(self, to: str, subject: str, text: str) -> None:
        """Never raises: a mail failure must not fail the request that caused it."""
        body = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
        status = "recorded"
        if self.settings.resend_api_key:
            try:
                await asyncio.to_thread(self._send_resend, to, subject, body)
                status = "sent"
            except Exception:
                log.exception("mail send failed", extra={"to": to, "subject": subject})
                status = "failed"
        try:
            await self.outbox.record(to, subject, text, body, status)
        except Exception:
            log.exception("mail outbox write failed")

    def _send_resend(self, to: str, subject: str, body: str) -> None:
        import resend

        resend.api_key = self.settings.resend_api_key
        resend.Emails.send({"from": self.settings.mail_from, "to": [to], "subject": subject, "html": body})

    async def welcome(self, to: str, masked_key: str) -> None:
        """Names the key only masked: mail is stored and forwarded, so it is no place for a secret."""
        await self.send(
            to, "Welcome to Slice!",
            f"Your account is ready. Your first API key is {masked_key}; it was shown once when you "
            f"registered, and you can create more on {self.settings.app_url}/dashboard.\n\n"
            f"Create a meeting:\ncurl -X POST {self.settings.app_url}/api/meetings "
            f"-H 'x-api-key: YOUR_KEY' -H 'Content-Type: application/json' -d '{{\"title\":\"Standup\"}}'",
        )

    async def password_reset(self, to: str, token: str) -> None:
        await self.send(
            to, "Reset your Slice password",
            f"Reset your password here (valid for 1 hour):\n{self.settings.app_url}/reset?token={token}\n\n"
            "If you did not ask for this, ignore this mail.",
        )

    async def password_changed(self, to: str) -> None:
        await self.send(to, "Your Slice password was changed",
                        "Your password was just changed. If this was not you, reset it at once.")

    async def low_balance(self, to: str, *, balance_usd: str, threshold_usd: str) -> None:
        await self.send(
            to, "Low balance alert — Slice",
            f"Your Slice balance is ${balance_usd}, below ${threshold_usd}. New meetings need credit; "
            f"top up at {self.settings.app_url}/billing.",
        )

    async def meeting_receipt(
        self, to: str, *, title: str, meeting_id: str, minutes: str, peak: int, cost_usd: str
    ) -> None:
        await self.send(
            to, f"Meeting receipt — {title}",
            f"Meeting {meeting_id} ({title})\nDuration: {minutes} minutes\nPeak participants: {peak}\n"
            f"Cost: ${cost_usd}\n\nYour history: {self.settings.app_url}/billing",
        )

    async def topup_receipt(self, to: str, amount_usd: str) -> None:
        await self.send(to, "Payment received — Slice",
                        f"${amount_usd} was added to your Slice balance. Thank you!")
