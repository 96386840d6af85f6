"""Charging a meeting when it ends: one ledger entry per meeting, then the history row."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from server.services import Services
from store.rooms.billing import duration_minutes, format_usd, meeting_cost_micros
from store.rooms.events import MeetingEnded

log = logging.getLogger(__name__)


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
        if cost > 0:
            await self.s.ledger.credit(
                user_id=int(ended.owner_id) if ended.owner_id is not None else None,
                company_id=int(ended.owner_company_id) if ended.owner_company_id is not None else None,
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
        return cost
