"""The wire between the signaling process and the media worker: one JSON object per line.

Signaling → worker: ``{"id": n, "op": name, ...arguments}``.
Worker → signaling: ``{"id": n, "ok": true, "result": ...}`` or ``{"id": n, "ok": false,
"error": message, "code": code}`` for each request, and ``{"emit": [sid, event, payload]}``
for what a participant must be told. Emits to one socket leave the worker in the order
they happen, on one stream, so an answer always reaches a participant before the next offer.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)

LINE_LIMIT = 4 * 1024 * 1024  # bytes: SDP of a large meeting fits many times over


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("expected a JSON object")
    return message


async def messages(reader: asyncio.StreamReader) -> AsyncIterator[dict[str, Any]]:
    """The messages on ``reader`` until it ends; an unreadable line is logged and skipped, an
    over-long one ends the stream (nothing after it can be framed)."""
    while True:
        try:
            line = await reader.readline()
        except ValueError:
            log.error("a media message over the line limit")
            return
        if not line:
            return
        try:
            yield decode(line)
        except ValueError:
            log.error("an unreadable media message")
