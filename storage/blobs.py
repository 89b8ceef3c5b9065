"""The blob store: original uploads under the data dir, content-addressed by SHA-256. Names of
uploaded files never become paths; only hashes do."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from pathlib import Path

_HASH = re.compile(r"^[0-9a-f]{64}$")


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if not _HASH.match(digest):
            raise ValueError("not a blob hash")
        return self.root / digest[:2] / digest[2:4] / digest

    async def put(self, content: bytes) -> str:
        """Store once (writes are atomic: a temp file renamed into place); returns the hash."""
        digest = content_hash(content)
        path = self._path(digest)

        def write() -> None:
            if path.exists():
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{digest}.{secrets.token_hex(4)}")
            temp.write_bytes(content)
            os.replace(temp, path)

        await asyncio.to_thread(write)
        return digest

    async def get(self, digest: str) -> bytes:
        return await asyncio.to_thread(self._path(digest).read_bytes)

    def path(self, digest: str) -> Path:
        """Where a blob's file is (it may be absent): for reading it in pieces rather than whole."""
        return self._path(digest)

    def exists(self, digest: str) -> bool:
        return self._path(digest).exists()

    async def delete(self, digest: str) -> None:
        await asyncio.to_thread(self._path(digest).unlink, missing_ok=True)
