"""Length bounds on user text, measured the way browsers measure them.

Clients count ``String.length``, i.e. UTF-16 code units, so an emoji counts
as two. We count the same way so a message the client accepted is accepted
here, but we never cut through a surrogate pair (the original's ``slice``
could, leaving half an emoji).
"""

from __future__ import annotations

import re

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (JS ``String.length``)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut_utf16(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits in ``limit`` UTF-16 units.

    A lone surrogate (JSON can carry ``"\\ud800"``) becomes U+FFFD first: no
    UTF-8 store can take one, and a name is saved with the meeting's attendance.
    """
    if not text.isascii():
        text = LONE_SURROGATE.sub("\ufffd", text)
    if len(text) * 2 <= limit or utf16_len(text) <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def clean_text(value: object, limit: int, default: str) -> str:
    """Strip and cut a free-text field; non-strings and blanks become ``default``.

    Used for display names, titles and reasons, where a bad value should not
    fail the whole request (the original coerced with ``(x || d) + ''``; we
    do not turn objects into ``"[object Object]"``).
    """
    if not isinstance(value, str):
        return default
    text = cut_utf16(value.strip(), limit).strip()
    return text or default
