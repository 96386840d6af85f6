"""Webhook endpoints (``webhooks``) and their durable outbox (``webhook_deliveries``).

A delivery is written before the event it carries is acknowledged and is sent by a worker that
claims it with a lease, so a crash or restart loses nothing and two processes never send the same
attempt at once. Times in the outbox are epoch milliseconds (integers): nx-27017 stores a datetime
given to ``$set`` as a string, which would not compare in the worker's due query.
"""
from __future__ import annotations

import secrets
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from store.mongo.database import Database, utcnow

Hook = dict[str, Any]
Delivery = dict[str, Any]

ATTEMPT_LOG_MAX = 20
"""Attempts kept per delivery (the newest); ``attempts`` still counts them all."""


def tenant_filter(user_id: int | None, company_id: int | None) -> dict[str, Any]:
    """The hooks that belong to a meeting owner: the company's, else the user's own personal ones."""
    if company_id is not None:
        return {"company_id": company_id}
    return {"user_id": user_id, "company_id": None}


def visible_filter(user_id: int, company_id: int | None) -> dict[str, Any]:
    """What a caller may list and manage: their own personal hooks, and their current company's.

    Not "every hook they made" (the original): a hook made for a company is the company's, so a
    member who leaves it no longer sees its deliveries (meeting titles, participant names)."""
    own = {"user_id": user_id, "company_id": None}
    if company_id is None:
        return own
    return {"$or": [own, {"company_id": company_id}]}


def new_delivery_id() -> str:
    """Also the Standard Webhooks ``webhook-id``: stable across retries, so receivers can de-duplicate."""
    return "msg_" + secrets.token_urlsafe(18)


class WebhookStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.hooks = database.db.webhooks
        self.deliveries = database.db.webhook_deliveries

    async def create_indexes(self) -> None:
        await self.hooks.create_index("user_id")
        await self.hooks.create_index("company_id")
        await self.deliveries.create_index("dedupe", unique=True)
        await self.deliveries.create_index([("status", 1), ("next_attempt_ms", 1)])
        await self.deliveries.create_index([("webhook_id", 1), ("created_at_ms", -1)])

    # -- endpoints -----------------------------------------------------------------------------

    async def next_hook_id(self) -> int:
        return await self.database.next_id("webhooks")

    async def insert_hook(self, doc: Hook) -> None:
        await self.hooks.insert_one(doc)

    async def count_for_tenant(self, user_id: int, company_id: int | None) -> int:
        # A find, not count_documents: nx-27017's count does not match ``company_id: None``.
        return len([doc async for doc in self.hooks.find(tenant_filter(user_id, company_id), {"_id": 1})])

    async def visible(self, user_id: int, company_id: int | None) -> list[Hook]:
        return [doc async for doc in self.hooks.find(visible_filter(user_id, company_id)).sort("_id", 1)]

    async def visible_one(self, hook_id: int, user_id: int, company_id: int | None) -> Hook | None:
        return await self.hooks.find_one({"_id": hook_id, **visible_filter(user_id, company_id)})

    async def active_for_tenant(self, user_id: int | None, company_id: int | None) -> list[Hook]:
        return [doc async for doc in self.hooks.find(tenant_filter(user_id, company_id)) if doc.get("is_active")]

    async def get_hook(self, hook_id: int) -> Hook | None:
        return await self.hooks.find_one({"_id": hook_id})

    async def delete_hook(self, hook_id: int) -> None:
        """The hook and its outbox go together (the original's ON DELETE CASCADE): nothing more is sent."""
        await self.hooks.delete_one({"_id": hook_id})
        await self.deliveries.delete_many({"webhook_id": hook_id})

    async def delete_for_tenant(self, user_id: int | None, company_id: int | None) -> None:
        """A deleted user's personal hooks, or a dissolved company's: the account is gone, so are they."""
        for doc in [doc async for doc in self.hooks.find(tenant_filter(user_id, company_id), {"_id": 1})]:
            await self.delete_hook(doc["_id"])

    # -- the outbox ----------------------------------------------------------------------------

    async def enqueue(self, doc: Delivery) -> bool:
        """False when this hook already has this event occurrence (a retried settle, a replay)."""
        try:
            await self.deliveries.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def claim_due(self, now_ms: int, lease_ms: int) -> Delivery | None:
        """Take the most overdue pending delivery for one attempt; its lease keeps other workers off it."""
        return await self.deliveries.find_one_and_update(
            {"status": "pending", "next_attempt_ms": {"$lte": now_ms}, "lease_until_ms": {"$lte": now_ms}},
            {"$set": {"lease_until_ms": now_ms + lease_ms, "lease_id": secrets.token_hex(8)}},
            sort=[("next_attempt_ms", 1)], return_document=ReturnDocument.AFTER,
        )

    async def record_attempt(self, claimed: Delivery, entry: dict[str, Any], *, status: str,
                             next_attempt_ms: int | None, delivered_at_ms: int | None) -> None:
        """Only the holder of the lease writes; a worker whose lease ran out finds nothing to update."""
        log = [*claimed.get("attempt_log", []), entry][-ATTEMPT_LOG_MAX:]
        changes: dict[str, Any] = {
            "status": status, "attempts": claimed.get("attempts", 0) + 1, "attempt_log": log,
            "last_status_code": entry["status_code"], "lease_until_ms": 0, "lease_id": None,
        }
        if next_attempt_ms is not None:
            changes["next_attempt_ms"] = next_attempt_ms
        if delivered_at_ms is not None:
            changes["delivered_at_ms"] = delivered_at_ms
        await self.deliveries.update_one({"_id": claimed["_id"], "lease_id": claimed["lease_id"]}, {"$set": changes})

    async def release(self, claimed: Delivery) -> None:
        """An attempt interrupted by shutdown: due again at once, for this process's successor."""
        await self.deliveries.update_one(
            {"_id": claimed["_id"], "lease_id": claimed["lease_id"]}, {"$set": {"lease_until_ms": 0, "lease_id": None}}
        )

    async def drop(self, claimed: Delivery) -> None:
        """The hook is gone or switched off: nothing to send."""
        await self.deliveries.delete_one({"_id": claimed["_id"], "lease_id": claimed["lease_id"]})

    async def prune_finished(self, created_before_ms: int) -> int:
        """Delivered and failed deliveries made before the cut-off go; pending ones stay until they finish."""
        result = await self.deliveries.delete_many(
            {"status": {"$in": ["delivered", "failed"]}, "created_at_ms": {"$lt": created_before_ms}}
        )
        return result.deleted_count

    async def for_hook(self, hook_id: int, limit: int) -> list[Delivery]:
        cursor = self.deliveries.find({"webhook_id": hook_id}).sort("created_at_ms", -1).limit(limit)
        return [doc async for doc in cursor]

    async def requeue(self, hook_id: int, delivery_id: str, now_ms: int) -> Delivery | None:
        """Due now, with a fresh retry budget (``round_start``): a manual retry gets the whole schedule again."""
        current = await self.deliveries.find_one({"_id": delivery_id, "webhook_id": hook_id})
        if current is None:
            return None
        return await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "webhook_id": hook_id},
            {"$set": {"status": "pending", "next_attempt_ms": now_ms, "round_start": current.get("attempts", 0)}},
            return_document=ReturnDocument.AFTER,
        )


def new_hook(hook_id: int, user_id: int, company_id: int | None, url: str, events: list[str],
             secret_enc: str) -> Hook:
    return {"_id": hook_id, "user_id": user_id, "company_id": company_id, "url": url, "events": events,
            "secret_enc": secret_enc, "is_active": True, "created_at": utcnow()}


def new_delivery(hook: Hook, *, event: str, meeting_id: str, body: str, occurrence: str, now_ms: int) -> Delivery:
    return {
        "_id": new_delivery_id(), "webhook_id": hook["_id"], "user_id": hook["user_id"],
        "company_id": hook.get("company_id"), "event": event, "meeting_id": meeting_id, "body": body,
        "dedupe": f"{hook['_id']}:{occurrence}", "status": "pending", "attempts": 0, "round_start": 0,
        "next_attempt_ms": now_ms, "lease_until_ms": 0, "lease_id": None, "attempt_log": [],
        "last_status_code": None, "created_at_ms": now_ms, "delivered_at_ms": None,
    }
