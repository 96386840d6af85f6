"""Webhook secrets: made, sealed at rest, and used to sign each delivery.

A receiver needs the secret itself to check an HMAC, so it cannot be stored as a one-way hash:
it is encrypted with AES-GCM under a key derived from ``WEBHOOK_SECRET_KEY`` (default:
``SESSION_SECRET``), with the hook id as associated data so a sealed secret cannot be moved to
another hook. Both signatures use the secret's UTF-8 bytes as the HMAC key: the original's
48-hex-digit secrets stay valid, and Standard Webhooks receivers use the same bytes (not a
``whsec_`` base64 key).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HKDF_INFO = b"slice webhook endpoint secrets v1"
NONCE_BYTES = 12


def new_secret() -> str:
    """24 random bytes as hex, as the original."""
    return secrets.token_hex(24)


class SecretBox:
    def __init__(self, key_source: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(key_source.encode("utf-8"))
        self.aead = AESGCM(key)

    def seal(self, hook_id: int, secret: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, secret.encode("utf-8"), _aad(hook_id))
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, hook_id: int, sealed: str) -> str:
        """Raises ``cryptography.exceptions.InvalidTag`` if the key changed or the value was tampered with."""
        raw = base64.b64decode(sealed)
        return self.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(hook_id)).decode("utf-8")


def _aad(hook_id: int) -> bytes:
    return f"webhook:{hook_id}".encode()


def signature_headers(secret: str, *, delivery_id: str, event: str, body: str, timestamp_s: int) -> dict[str, str]:
    """The original's ``X-Signature`` over the body, and the Standard Webhooks trio over id, time and body."""
    key = secret.encode("utf-8")
    raw = body.encode("utf-8")
    legacy = hmac.new(key, raw, hashlib.sha256).hexdigest()
    signed = f"{delivery_id}.{timestamp_s}.".encode() + raw
    standard = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
    return {
        "Content-Type": "application/json",
        "X-Signature": f"sha256={legacy}",
        "X-OnePizza-Event": event,
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": f"v1,{standard}",
    }
