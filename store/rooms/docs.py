"""Meetings as plain documents, for the persistence layer.

DESIGN.md promises that active and scheduled meetings come back after a
restart. Only what outlives a socket is saved: identity, owner, hashed
admin token, settings, timing, peak, attendance, invite digests and the
shared notes (the original keeps notes in ``meeting_notes``). Keys
are snake_case; ``_id`` is the meeting id so a store can upsert by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .collab import Collaboration, Notes
from .ids import MeetingId
from .invites import Invites
from .model import AttendanceRecord, MeetingStatus
from .settings import Settings

if TYPE_CHECKING:
    from .meeting import Meeting

DOC_VERSION = 1


def meeting_to_doc(meeting: Meeting) -> dict[str, Any]:
    return {
        "_id": meeting.id,
        "doc_version": DOC_VERSION,
        "title": meeting.title,
        "admin_token_hash": meeting.admin_token_hash,
        "status": meeting.status.value,
        "created_at_ms": meeting.created_at_ms,
        "scheduled_at_ms": meeting.scheduled_at_ms,
        "ended_at_ms": meeting.ended_at_ms,
        "owner_id": meeting.owner_id,
        "owner_company_id": meeting.owner_company_id,
        "is_guest": meeting.is_guest,
        "settings": meeting.settings.to_wire(),
        "peak_participants": meeting.peak_participants,
        "invites": dict(meeting.invites.expiry_by_hash),
        "attendance": [record.to_doc() for record in meeting.attendance],
        "notes": {"content": notes.content, "last_updated_by": notes.last_updated_by,
                  "last_updated_at": notes.last_updated_at} if (notes := meeting.collab.notes).content else None,
    }


def meeting_fields_from_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments for ``Meeting`` from a saved document.

    Attendance records left open by the restart stay open; ``Meeting.end``
    closes them, so a crashed stay counts until the meeting ends, as it
    would have been billed had the process lived.
    """
    return {
        "id": MeetingId(doc["_id"]),
        "title": doc["title"],
        "admin_token_hash": doc["admin_token_hash"],
        "status": MeetingStatus(doc["status"]),
        "created_at_ms": doc["created_at_ms"],
        "scheduled_at_ms": doc.get("scheduled_at_ms"),
        "ended_at_ms": doc.get("ended_at_ms"),
        "owner_id": doc.get("owner_id"),
        "owner_company_id": doc.get("owner_company_id"),
        "is_guest": bool(doc.get("is_guest", False)),
        "settings": Settings.from_wire(doc.get("settings", {})),
        "peak_participants": doc.get("peak_participants", 0),
        "invites": Invites(dict(doc.get("invites", {}))),
        "attendance": [AttendanceRecord.from_doc(r) for r in doc.get("attendance", [])],
        "collab": Collaboration(notes=_notes(doc.get("notes"))),
    }


def _notes(saved: dict[str, Any] | None) -> Notes:
    if not saved:
        return Notes()
    return Notes(saved.get("content", ""), saved.get("last_updated_by", ""), saved.get("last_updated_at"))
