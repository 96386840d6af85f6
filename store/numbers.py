"""Whole numbers from text, read the way every boundary should: ASCII digits only.

``str.isdigit`` is also true for "²" (which ``int`` refuses: a 500) and for "١" (which ``int`` reads
as 1). An id in a path or a number in a query must be plain digits, else a clean 400 / 404.
"""
from __future__ import annotations


def whole_number(text: object, *, max_digits: int = 18) -> int | None:
    """``text`` as a non-negative int if it is 1..max_digits ASCII digits, else None."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
