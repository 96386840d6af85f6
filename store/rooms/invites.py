"""One-use invite tokens that let a guest past the waiting room.

onepizza minted invite tokens and never checked them. Ours are stored as
SHA-256 digest → expiry (epoch ms), a plain dict that a persistence layer
saves and restores as is, so invite links survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InviteInvalid, ValidationError
from .tokens import hash_token, new_invite_token


@dataclass
class Invites:
    expiry_by_hash: dict[str, int] = field(default_factory=dict)

    def create(self, now_ms: int, ttl_ms: int) -> str:
        """Mint a token valid until ``now_ms + ttl_ms``; only its digest is kept."""
        if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or ttl_ms <= 0:
            raise ValidationError("Invite lifetime must be a positive number of milliseconds")
        self.prune(now_ms)
        raw = new_invite_token()
        self.expiry_by_hash[hash_token(raw)] = now_ms + ttl_ms
        return raw

    def check(self, raw: object, now_ms: int) -> str:
        """The digest of a usable token; ``InviteInvalid`` if unknown, used or expired."""
        if not isinstance(raw, str) or not raw:
            raise InviteInvalid()
        digest = hash_token(raw)
        expiry = self.expiry_by_hash.get(digest)
        if expiry is None or expiry <= now_ms:
            raise InviteInvalid()
        return digest

    def consume(self, digest: str) -> None:
        self.expiry_by_hash.pop(digest, None)

    def prune(self, now_ms: int) -> None:
        """Forget expired tokens so the stored dict does not grow forever."""
        for digest in [d for d, expiry in self.expiry_by_hash.items() if expiry <= now_ms]:
            del self.expiry_by_hash[digest]
