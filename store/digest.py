"""The one way random secrets (session ids, reset tokens, API keys) are hashed at rest.

They carry 96+ random bits, so a fast hash is enough: nothing to brute-force that a slow hash would protect.
"""
from __future__ import annotations

import hashlib


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
