"""The wire between the signaling process and the media worker: one JSON object per line.

Signaling → worker: ``{"id": n, "op": name, ...arguments}``.
Worker → signaling: ``{"id": n, "ok": true, "result": ...}`` or ``{"id": n, "ok": false,
"error": message, "code": code}`` for each request, and ``{"emit": [sid, event, payload]}``
for what a participant must be told. Emits to one socket leave the worker in the order
they happen, on one stream, so an answer always reaches a participant before the next offer.
"""
from __future__ import annotations

import json
from typing import Any

LINE_LIMIT = 4 * 1024 * 1024  # bytes: SDP of a large meeting fits many times over


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("expected a JSON object")
    return message
