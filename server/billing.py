"""Charging a meeting when it ends: one ledger entry per meeting, then the history row, then the mails."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from server.services import Services
from store.rooms.billing import duration_minutes, format_usd, meeting_cost_micros
from store.rooms.events import MeetingEnded

log = logging.getLogger(__name__)

RECEIPT_MIN_MICROS = 10_000
"""No receipt for a meeting that cost less than a cent (the original's rule)."""


class MeetingBilling:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def charge(self, ended: MeetingEnded) -> int:
        """Returns the cost in micro-dollars. Safe to run twice: the ledger key is the meeting's."""
        if not ended.billable:
            return 0
        rate = int(await self.s.site_settings.get("meeting_cost_micros_per_participant_minute"))
        cost = meeting_cost_micros(ended.duration_ms, ended.peak_participants, rate)
        minutes = duration_minutes(ended.duration_ms)
        peak = max(ended.peak_participants, 1)
        user_id = int(ended.owner_id) if ended.owner_id is not None else None
        company_id = int(ended.owner_company_id) if ended.owner_company_id is not None else None
        entry = None
        if cost > 0:
            entry = await self.s.ledger.credit(
                user_id=user_id,
                company_id=company_id,
                amount_micros=-cost,
                type="meeting_charge",
                description=f"Meeting {ended.meeting_id} ({round(minutes)}m, {peak} participants)",
                key=f"meeting:{ended.meeting_id}:{ended.created_at_ms}",
                reference_id=ended.meeting_id,
            )
        await self.s.meetings.log_end(
            ended.meeting_id,
            ended_at=datetime.fromtimestamp(ended.ended_at_ms / 1000, UTC),
            peak=ended.peak_participants,
            duration_centiminutes=int(minutes * 100),
            cost_micros=cost,
        )
        log.info("meeting charged", extra={"meeting": ended.meeting_id, "cost": format_usd(cost)})
        if cost > 0:
            # Only the run that moved the money sends the receipt; the low-balance check runs on
            # every run (its claim is atomic), so a retry after a failure still alerts once.
            await self._mail_after_charge(ended, user_id, company_id, cost, receipt=entry is not None)
        return cost

    async def _mail_after_charge(self, ended: MeetingEnded, user_id: int | None, company_id: int | None,
                                 cost: int, *, receipt: bool) -> None:
        """Never fails the charge: the money has moved, a mail is a courtesy."""
        try:
            await self._low_balance_alert(user_id, company_id)
            if receipt and cost >= RECEIPT_MIN_MICROS:
                to = await self._email_of(user_id, company_id)
                if to is not None:
                    minutes = (Decimal(max(ended.duration_ms, 0)) / 60_000).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    await self.s.mailer.meeting_receipt(
                        to, title=ended.title or ended.meeting_id, meeting_id=ended.meeting_id,
                        minutes=f"{minutes}", peak=max(ended.peak_participants, 1), cost_usd=format_usd(cost),
                    )
        except Exception:
            log.exception("meeting mail failed", extra={"meeting": ended.meeting_id})

    async def _low_balance_alert(self, user_id: int | None, company_id: int | None) -> None:
        """Once per fall below the threshold: the flag is claimed atomically here and cleared by
        the ledger when a credit lifts the balance back (``Ledger.rearm_low_balance_alert``)."""
        threshold = int(await self.s.site_settings.get("low_balance_threshold_micros"))
        balance = await self.s.ledger.balance(user_id=user_id, company_id=company_id)
        if balance >= threshold or not await self.s.ledger.claim_low_balance_alert(
                user_id=user_id, company_id=company_id, below_micros=threshold):
            return
        to = await self._email_of(None if company_id is not None else user_id, company_id)
        if to is not None:
            await self.s.mailer.low_balance(to, balance_usd=format_usd(balance, 2), threshold_usd=format_usd(threshold, 2))

    async def _email_of(self, user_id: int | None, company_id: int | None) -> str | None:
        """The user's address, or (no user given) the company owner's."""
        if user_id is None and company_id is not None:
            company = await self.s.accounts.company(company_id)
            user_id = company["owner_id"] if company else None
        user = await self.s.accounts.get(user_id) if user_id is not None else None
        return user["email"] if user else None
