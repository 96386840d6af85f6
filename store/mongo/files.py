"""Files shared in meetings (``meeting_files``): one row per upload; the bytes live under DATA_DIR/files.

The meeting's owner (user and company) is copied onto the row at upload, so the
files stay reachable to their tenant after the meeting has ended and left memory.
"""
from __future__ import annotations

from typing import Any

from store.mongo.database import Database, utcnow
from store.rooms.ids import OwnerId

FileRow = dict[str, Any]


class FileStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.files = database.db.meeting_files

    async def create_indexes(self) -> None:
        await self.files.create_index("meeting_id")

    async def add(self, *, meeting_id: str, owner_id: OwnerId | None, owner_company_id: OwnerId | None,
                  uploader_id: int | None, participant_name: str, original_name: str, stored_name: str,
                  size_bytes: int, mime_type: str) -> FileRow:
        row: FileRow = {
            "_id": await self.database.next_id("meeting_files"),
            "meeting_id": meeting_id,
            "owner_id": owner_id,
            "owner_company_id": owner_company_id,
            "uploader_id": uploader_id,
            "participant_name": participant_name,
            "original_name": original_name,
            "stored_name": stored_name,
            "size_bytes": size_bytes,
            "mime_type": mime_type,
            "created_at": utcnow(),
        }
        await self.files.insert_one(row)
        return row

    async def get(self, file_id: int) -> FileRow | None:
        return await self.files.find_one({"_id": file_id})

    async def of_meeting(self, meeting_id: str) -> list[FileRow]:
        """Oldest first, as they appeared in the chat (a meeting holds at most FILES_PER_MEETING)."""
        rows = await self.files.find({"meeting_id": meeting_id}).to_list(None)
        return sorted(rows, key=lambda row: row["_id"])

    async def count_of_meeting(self, meeting_id: str) -> int:
        return await self.files.count_documents({"meeting_id": meeting_id})
