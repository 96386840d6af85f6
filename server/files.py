"""The bytes of files shared in meetings, and the signed links that let a room's guests fetch them.

Uploads stream to ``DATA_DIR/files/<random>.part`` and are renamed when
complete, so a half-received file is never listed; the stored name is random
(the uploader's name is only ever shown, never used as a path).

A link is ``/api/meetings/files/<id>/download?expires=<unix s>&sig=<HMAC>``:
guests have no key or session, but whoever was in the room when the file was
shared got its link in ``chat:file``. The key is derived from SESSION_SECRET.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Protocol

from server.settings import Settings
from store.errors import InvalidInput
from store.numbers import whole_number

LINK_TTL_SECONDS = 24 * 3600
CHUNK = 256 * 1024
TOO_LARGE = "File too large"


class ChunkSource(Protocol):
    async def read_chunk(self, size: int = ...) -> bytes: ...


class FileVault:
    def __init__(self, settings: Settings) -> None:
        self.directory = settings.data_dir / "files"
        self.max_bytes = settings.file_max_bytes
        self._key = hashlib.sha256(b"slice file links\x00" + settings.session_secret.encode()).digest()

    def path_of(self, stored_name: str) -> Path:
        return self.directory / stored_name

    async def receive(self, source: ChunkSource) -> tuple[str, int]:
        """Stream one upload to disk: its stored name and size. Over the limit: 400, nothing kept."""
        await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        stored = secrets.token_hex(16)
        partial = self.directory / f"{stored}.part"
        size = 0
        handle = await asyncio.to_thread(partial.open, "xb")
        try:
            while chunk := await source.read_chunk(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise InvalidInput(TOO_LARGE, code="file_too_large")
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(partial.rename, self.path_of(stored))
        except BaseException:
            handle.close()
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise
        return stored, size

    async def discard(self, stored_name: str) -> None:
        await asyncio.to_thread(self.path_of(stored_name).unlink, missing_ok=True)

    # -- signed links ---------------------------------------------------------------------------

    def link(self, file_id: int, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + LINK_TTL_SECONDS)
        return f"/api/meetings/files/{file_id}/download?expires={expires}&sig={self._sign(file_id, expires)}"

    def link_valid(self, file_id: int, expires: str, sig: str, now: float | None = None) -> bool:
        until = whole_number(expires, max_digits=12)
        if until is None or len(sig) > 128 or until < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(sig.encode("ascii", "replace"), self._sign(file_id, until).encode())

    def _sign(self, file_id: int, expires: int) -> str:
        return hmac.new(self._key, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()
