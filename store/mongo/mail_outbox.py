"""Every mail the server sends is recorded here; without Resend it stays here for operators and tests."""
from __future__ import annotations

from typing import Any

from store.mongo.database import Database, utcnow


class MailOutbox:
    def __init__(self, database: Database) -> None:
        self.outbox = database.db.mail_outbox

    async def create_indexes(self) -> None:
        await self.outbox.create_index([("to", 1), ("created_at", -1)])

    async def record(self, to: str, subject: str, text: str, html: str, status: str) -> None:
        await self.outbox.insert_one(
            {"to": to, "subject": subject, "text": text, "html": html, "status": status, "created_at": utcnow()}
        )

    async def latest(self, to: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.outbox.find({"to": to}).sort("created_at", -1).limit(20)]
