"""The attendance report (contract §3.7): who was in the meeting, when, for how long; JSON and CSV.

Built from ``Meeting.attendance`` (one record per stay). The CSV is what a host
opens in a spreadsheet, so every cell is quoted and a cell that a spreadsheet
would run as a formula (``= + - @``, or a leading tab / carriage return) is
prefixed with ``'``; the original wrote names as sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import AttendanceRecord
from .timefmt import iso_utc

CSV_HEADER = "Name,Joined,Left,Duration (seconds)"
STILL_IN_MEETING = "Still in meeting"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class AttendanceLine:
    participant_id: str
    name: str
    joined_at: int
    left_at: int | None
    duration_seconds: int
    """To the leave time, or to now while the participant is still in the meeting."""


def attendance_lines(records: Iterable[AttendanceRecord], now_ms: int) -> list[AttendanceLine]:
    return [
        AttendanceLine(r.participant_id, r.name, r.joined_at, r.left_at,
                       _seconds((r.left_at if r.left_at is not None else now_ms) - r.joined_at))
        for r in records
    ]


def _seconds(ms: int) -> int:
    """JS ``Math.round(ms / 1000)`` (halves up, unlike Python's ``round``), never negative."""
    return max(0, (ms + 500) // 1000)


def attendance_json(meeting_id: str, title: str, lines: Iterable[AttendanceLine]) -> dict[str, Any]:
    return {
        "attendance": [
            {"participantId": line.participant_id, "name": line.name, "joinedAt": iso_utc(line.joined_at),
             "leftAt": iso_utc(line.left_at) if line.left_at is not None else None,
             "durationSeconds": line.duration_seconds}
            for line in lines
        ],
        "meetingId": meeting_id,
        "title": title,
    }


def csv_cell(value: str) -> str:
    """Quoted, inner quotes doubled, formula starts neutralised."""
    if value.startswith(FORMULA_START):
        value = "'" + value
    return '"' + value.replace('"', '""') + '"'


def attendance_csv(lines: Iterable[AttendanceLine]) -> str:
    """The original's layout: header, then one row per stay, joined with ``\\n``."""
    rows = [
        ",".join((csv_cell(line.name), csv_cell(iso_utc(line.joined_at)),
                  csv_cell(iso_utc(line.left_at) if line.left_at is not None else STILL_IN_MEETING),
                  str(line.duration_seconds)))
        for line in lines
    ]
    return "\n".join([CSV_HEADER, *rows])


def attendance_filename(meeting_id: str) -> str:
    """``attendance-<id>.csv``, with anything but letters, digits, ``-`` and ``_`` replaced."""
    return f"attendance-{UNSAFE_FILENAME.sub('_', meeting_id)}.csv"
