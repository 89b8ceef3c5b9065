"""Uploaded files: read with a size cap, always closed."""

from __future__ import annotations

from typing import Any

from domain.errors import BadInput, PayloadTooLarge

CHUNK = 64 * 1024
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-requested-with", "graphql-preflight")


async def read_upload(upload: Any, limit: int) -> bytes:
    """The file's bytes; PAYLOAD_TOO_LARGE past `limit` (read in chunks, so never much more)."""
    if not hasattr(upload, "read"):
        raise BadInput("Expected an uploaded file", field="file")
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The file is larger than {limit} bytes", field="file")
            chunks.append(chunk)
    finally:
        await upload.close()
    return b"".join(chunks)
