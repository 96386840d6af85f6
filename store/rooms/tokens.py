"""Secrets that grant power over a meeting (admin tokens, invite tokens).

Only their SHA-256 digests are kept, so a leaked snapshot or database dump
does not hand out host rights, and they are compared in constant time so
response timing does not reveal how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid


def hash_token(raw: str) -> str:
    """Hex SHA-256 of a token; tokens are high-entropy, so no salt is needed."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(raw: object, digest: str) -> bool:
    """True when ``raw`` is a string whose digest equals ``digest``.

    Anything that is not a non-empty string (None, numbers, objects sent by a
    careless client) simply does not match, rather than raising.
    """
    if not isinstance(raw, str) or not raw or not digest:
        return False
    return hmac.compare_digest(hash_token(raw), digest)


def new_admin_token() -> str:
    """A uuid4 string, the format onepizza clients already store."""
    return str(uuid.uuid4())


def new_invite_token() -> str:
    """128 random bits as hex; it appears in a URL, so keep it URL-safe."""
    return secrets.token_hex(16)
