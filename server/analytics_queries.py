"""The admin analytics dashboards: aggregates over ``analytics_events``, the history log and live memory.

nx-27017 groups on one stored field only, so events carry their day and week
(``store/mongo/analytics.py``) and the rest is grouped here in Python over bounded,
projected reads. Measured on 10 000 events in nx-27017: a ``$group`` read ~0.04 s,
a projected scan of all of them ~0.9 s (hence scans only of the rarer types: errors,
meeting creations).
"""
from __future__ import annotations

import os
import resource
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from server.services import Services
from store.errors import InvalidInput
from store.mongo.analytics import week_of
from store.mongo.database import iso, utcnow
from store.rooms import MeetingStatus, Registry
from store.rooms.billing import format_usd
from store.rooms.settings import MediaMode

DAYS_MIN, DAYS_MAX = 1, 365
RETENTION_WEEKS = 12
REALTIME_LIST = 20
TOP_USERS = 100
TOP_ERRORS = 100
MEETING_TYPES = ["meeting.created", "guest_meeting.created"]
NOT_ADMIN = {"$nin": [True, 1]}
MB = 1024 * 1024
# The media worker's figures (media/stats.py) the realtime view shows per meeting, and in total.
MEETING_MEDIA = ("publishers", "consumers", "bitrateIn", "bitrateOut")
MEDIA_TOTALS = ("producers", *MEETING_MEDIA, "packetsInPerSecond", "packetsOutPerSecond")


def parse_days(raw: str | None, default: int) -> int:
    """``?days``: an integer, clamped to 1..365; anything else is a 400."""
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.lstrip("-").isdigit() and text.isascii() and len(text) <= 9):
        raise InvalidInput("days must be an integer", code="invalid_days")
    return min(max(int(text), DAYS_MIN), DAYS_MAX)


def _since(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def _minutes(centiminutes: int) -> str:
    return f"{Decimal(centiminutes) / 100:.2f}"


class AnalyticsQueries:
    def __init__(self, services: Services, registry: Registry, started_monotonic: float) -> None:
        self.s = services
        self.store = services.analytics.store
        self.db = services.database.db
        self.registry = registry
        self.started = started_monotonic

    async def overview(self) -> dict[str, str]:
        now = utcnow()
        day, week, month = (now - timedelta(days=n) for n in (1, 7, 30))
        revenue = revenue_30d = 0
        async for doc in self.db.credit_transactions.find({"type": "meeting_charge"},
                                                          {"amount_micros": 1, "created_at": 1}):
            revenue -= int(doc["amount_micros"])
            if _when(doc["created_at"]) >= month:
                revenue_30d -= int(doc["amount_micros"])
        counts = {
            "total_users": await self.db.users.count_documents({}),
            "new_users_7d": await self.db.users.count_documents({"created_at": {"$gte": week}}),
            "total_meetings": await self.db.meetings_log.count_documents({}),
            "meetings_7d": await self.db.meetings_log.count_documents({"started_at": {"$gte": week}}),
            "meetings_30d": await self.db.meetings_log.count_documents({"started_at": {"$gte": month}}),
            "active_keys": await self.db.api_keys.count_documents({"is_active": {"$in": [True, 1]}}),
            "active_webhooks": await self.db.webhooks.count_documents({"is_active": {"$in": [True, 1]}}),
            "total_companies": await self.db.companies.count_documents({}),
            "events_1d": await self.store.count({"created_at": {"$gte": day}}),
            "events_7d": await self.store.count({"created_at": {"$gte": week}}),
            "events_30d": await self.store.count({"created_at": {"$gte": month}}),
        }
        # All strings, as the original's bigint / numeric columns arrive; there are no AI features.
        return {**{key: str(value) for key, value in counts.items()}, "total_revenue": format_usd(revenue),
                "revenue_30d": format_usd(revenue_30d), "total_ai_tokens": "0", "total_ai_cost": "0"}

    async def events(self, days: int) -> list[dict[str, Any]]:
        rows = await self.store.grouped({"created_at": {"$gte": _since(days)}}, "event_type", sets=["user_id"])
        return sorted(({
            "event_type": row["_id"], "count": int(row["count"]),
            "unique_users": len([u for u in row["user_id"] if u is not None]),
        } for row in rows), key=lambda r: (-r["count"], r["event_type"]))

    async def features(self, days: int) -> list[dict[str, Any]]:
        rows = await self.store.grouped(
            {"family": "feature", "created_at": {"$gte": _since(days)}}, "event_type", sets=["user_id", "day"]
        )
        return sorted(({
            "feature": str(row["_id"]).removeprefix("feature."), "total_uses": int(row["count"]),
            "unique_users": len([u for u in row["user_id"] if u is not None]), "active_days": len(row["day"]),
        } for row in rows), key=lambda r: (-r["total_uses"], r["feature"]))

    async def errors(self, days: int) -> list[dict[str, Any]]:
        docs = await self.store.scan({"family": "error", "created_at": {"$gte": _since(days)}},
                                     ["event_type", "meta", "created_at"])
        groups: dict[tuple[str, Any, Any], dict[str, Any]] = {}
        for doc in docs:  # newest first: the first of a group is its last sighting
            meta = doc.get("meta") or {}
            key = (doc["event_type"], meta.get("route"), meta.get("message"))
            if key not in groups:
                groups[key] = {"event_type": key[0], "route": key[1], "message": key[2], "count": 0,
                               "last_seen": iso(doc["created_at"])}
            groups[key]["count"] += 1
        return sorted(groups.values(), key=lambda g: -g["count"])[:TOP_ERRORS]

    async def trends(self, days: int) -> list[dict[str, Any]]:
        by_day: dict[str, dict[str, Any]] = {}
        async for row in self.db.meetings_log.find(
            {"started_at": {"$gte": _since(days)}},
            {"started_at": 1, "peak_participants": 1, "duration_centiminutes": 1, "cost_micros": 1},
        ):
            day = _when(row["started_at"]).strftime("%Y-%m-%d")
            slot = by_day.setdefault(day, {"day": day, "meetings": 0, "participants": 0, "minutes": 0, "revenue": 0})
            slot["meetings"] += 1
            slot["participants"] += int(row.get("peak_participants") or 0)
            slot["minutes"] += int(row.get("duration_centiminutes") or 0)
            slot["revenue"] += int(row.get("cost_micros") or 0)
        return [{"day": s["day"], "meetings": s["meetings"], "participants": s["participants"],
                 "total_minutes": _minutes(s["minutes"]), "revenue": format_usd(s["revenue"])}
                for s in sorted(by_day.values(), key=lambda s: s["day"])]

    async def users(self) -> list[dict[str, Any]]:
        users = [u async for u in self.db.users.find({"is_admin": NOT_ADMIN},
                                                     {"email": 1, "account_type": 1, "created_at": 1})]
        ids = [u["_id"] for u in users]
        meetings: Counter[int] = Counter()
        minutes: Counter[int] = Counter()
        spent: Counter[int] = Counter()
        last: dict[int, datetime] = {}
        async for row in self.db.meetings_log.find({"user_id": {"$in": ids}},
                                                   {"user_id": 1, "started_at": 1, "duration_centiminutes": 1,
                                                    "cost_micros": 1}):
            uid, started = row["user_id"], _when(row["started_at"])
            meetings[uid] += 1
            minutes[uid] += int(row.get("duration_centiminutes") or 0)
            spent[uid] += int(row.get("cost_micros") or 0)
            last[uid] = max(last.get(uid, started), started)
        keys: Counter[int] = Counter()
        async for doc in self.db.api_keys.find({"user_id": {"$in": ids}, "is_active": {"$in": [True, 1]}},
                                               {"user_id": 1}):
            keys[doc["user_id"]] += 1
        hooks: Counter[int] = Counter()
        async for doc in self.db.webhooks.find({"user_id": {"$in": ids}}, {"user_id": 1}):
            hooks[doc["user_id"]] += 1
        top = sorted(users, key=lambda u: (-meetings[u["_id"]], -spent[u["_id"]], u["email"]))[:TOP_USERS]
        return [{
            "id": u["_id"], "email": u["email"], "account_type": u.get("account_type", "personal"),
            "created_at": iso(u.get("created_at")), "meeting_count": meetings[u["_id"]],
            "total_minutes": _minutes(minutes[u["_id"]]), "credits_spent": format_usd(spent[u["_id"]]),
            "api_key_count": keys[u["_id"]], "webhook_count": hooks[u["_id"]],
            "last_active": iso(last.get(u["_id"])),
        } for u in top]

    async def retention(self) -> list[dict[str, Any]]:
        """Per week (newest first): users with any event, and how many of them were also active the week before."""
        this_week = week_of(utcnow())
        weeks = [(datetime.fromisoformat(this_week) - timedelta(weeks=n)).strftime("%Y-%m-%d")
                 for n in range(RETENTION_WEEKS + 1)]
        rows = await self.store.grouped(
            {"user_id": {"$nin": [None]}, "created_at": {"$gte": datetime.fromisoformat(weeks[-1]).replace(tzinfo=UTC)}},
            "week", sets=["user_id"],
        )
        active = {row["_id"]: set(row["user_id"]) for row in rows}
        return [{"week": week, "users": len(active.get(week, set())),
                 "retained": len(active.get(week, set()) & active.get(previous, set()))}
                for week, previous in zip(weeks[:-1], weeks[1:], strict=True)]

    async def peak_hours(self, days: int) -> list[dict[str, Any]]:
        docs = await self.store.scan({"event_type": {"$in": MEETING_TYPES}, "created_at": {"$gte": _since(days)}},
                                     ["created_at"])
        # JavaScript's getDay(): Sunday is 0; Python's weekday(): Monday is 0.
        slots = Counter(((_when(d["created_at"]).weekday() + 1) % 7, _when(d["created_at"]).hour) for d in docs)
        return [{"dow": dow, "hour": hour, "count": count}
                for (dow, hour), count in sorted(slots.items(), key=lambda s: (-s[1], s[0]))]

    def realtime(self, media_rooms: dict[str, dict[str, Any]], worker: str) -> dict[str, Any]:
        """The original's live figures, plus the SFU's: ``media_rooms`` is the media worker's figures
        by meeting id (``media/stats.py``), ``worker`` its state (running, idle, unavailable)."""
        now_ms = int(time.time() * 1000)
        active = [m for m in self.registry if m.status is MeetingStatus.ACTIVE]
        top = sorted(active, key=lambda m: -len(m.participants))[:REALTIME_LIST]
        return {
            "activeMeetings": len(active),
            "totalParticipants": sum(len(m.participants) for m in active),
            "activeRecordings": sum(1 for m in active if m.is_recording),
            "activeScreenShares": sum(1 for m in active for p in m.participants.values() if p.is_screen_sharing),
            "media": {
                "worker": worker,
                "sfuMeetings": sum(1 for m in active if m.settings.media_mode is MediaMode.SFU),
                "mediaRooms": len(media_rooms),
                "mediaParticipants": _total(media_rooms, "participants"),
                **{key: _total(media_rooms, key) for key in MEDIA_TOTALS},
            },
            "meetingList": [{
                "id": m.id, "title": m.title or "Untitled", "participantCount": len(m.participants),
                "duration": max(0, now_ms - m.created_at_ms) // 1000, "isRecording": m.is_recording,
                "mediaMode": m.settings.media_mode.value,
                **{key: media_rooms.get(m.id, {}).get(key, 0) for key in MEETING_MEDIA},
            } for m in top],
        }

    def health(self) -> dict[str, Any]:
        """Node's figures translated: ``memoryMB`` is the resident set size; ``heapUsedMB`` the
        resident memory private to this process (RSS less shared pages: roughly what the Python
        heap holds); ``heapTotalMB`` the peak RSS so far. PyMongo does not expose its pool's
        idle or waiting counts, so ``dbPoolTotal`` is the pool's configured size and the others 0."""
        rss, shared = _memory()
        statuses = Counter(m.status for m in self.registry)
        return {
            "uptimeSeconds": int(time.monotonic() - self.started),
            "memoryMB": round(rss / MB, 1),
            "heapUsedMB": round(max(rss - shared, 0) / MB, 1),
            "heapTotalMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB, 1),
            "dbPoolTotal": int(self.s.database.client.options.pool_options.max_pool_size),
            "dbPoolIdle": 0,
            "dbPoolWaiting": 0,
            "activeMeetings": statuses[MeetingStatus.ACTIVE],
            "scheduledMeetings": statuses[MeetingStatus.SCHEDULED],
        }


def _when(value: datetime | str) -> datetime:
    """nx-27017 returns a date written by ``$set`` as an ISO string."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _memory() -> tuple[int, int]:
    """Resident and shared bytes from /proc (Linux); elsewhere the peak RSS and 0."""
    try:
        with open("/proc/self/statm") as statm:
            fields = statm.read().split()
        page = os.sysconf("SC_PAGE_SIZE")
        return int(fields[1]) * page, int(fields[2]) * page
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, 0


def _total(media_rooms: dict[str, dict[str, Any]], key: str) -> int | float:
    total: int | float = sum(room.get(key, 0) for room in media_rooms.values())
    return round(total, 1) if isinstance(total, float) else total
