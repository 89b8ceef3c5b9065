"""The per-account storage quota: how many bytes and files of uploads an account may keep.

A resume counts its original file's bytes (what the blob store keeps for it); a writing sample counts
the characters of text kept from it (its file is not kept), and at upload its file's size, an upper
bound for a TXT file. Both count one file. Uploading a resume you already have (the same bytes) adds
nothing and is never refused.

Race safety: an upload's check and its reservation happen under a per-account lock, and the reservation
(its bytes and one file) counts against the quota until the upload is stored or has failed, so two
concurrent uploads in one process cannot both slip past. The reservation ends under the same lock: a
check never reads the database before an upload's row commits and the reservations after it has ended
(which let a second upload through on a loaded machine). A check that sees the row and the reservation
both counts the upload twice: at the account's last free slot, an upload may be refused that a retry
a moment later takes. Across several processes each sees only its own
reservations: an account can overshoot by at most one upload (5 MB by default) per other process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import QuotaExceeded
from storage.accounts import User
from storage.blobs import content_hash
from storage.resumes import Resume, ResumeRepository
from storage.samples import Sample


class UploadKind(StrEnum):
    RESUME = "resume"
    SAMPLE = "sample"


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    bytes_used: int
    bytes_limit: int
    files_used: int
    files_limit: int


@dataclass
class _Pending:
    """An account's uploads checked but not yet stored (or failed), and the lock its checks take."""

    lock: asyncio.Lock
    bytes: int = 0
    files: int = 0
    holders: int = 0  # uploads of the account inside `reserve`: the entry goes when none is


class Quotas:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, max_bytes: int, max_files: int) -> None:
        self._sessions = sessions
        self._max_bytes = max_bytes
        self._max_files = max_files
        self._pending: dict[str, _Pending] = {}

    async def usage(self, user: User) -> QuotaUsage:
        """What the account holds now, against its limits (uploads still under way not counted)."""
        async with self._sessions() as session:
            used_bytes, used_files = await _stored(session, user.id)
        return QuotaUsage(used_bytes, self._max_bytes, used_files, self._max_files)

    @asynccontextmanager
    async def reserve(self, user: User, content: bytes, kind: UploadKind) -> AsyncIterator[None]:
        """Around storing an upload: QUOTA_EXCEEDED before anything is stored when the upload would pass
        either limit; otherwise its size counts as used until the block ends."""
        pending = self._pending.get(user.id)
        if pending is None:
            pending = self._pending[user.id] = _Pending(asyncio.Lock())
        pending.holders += 1
        digest = content_hash(content) if kind is UploadKind.RESUME else None
        size = len(content)
        charged = False
        try:
            async with pending.lock:
                async with self._sessions() as session:
                    if digest is not None and await ResumeRepository(session).by_hash(user.id, digest) is not None:
                        used = None  # the resume you have: the upload adds nothing
                    else:
                        used = await _stored(session, user.id)
                if used is not None:
                    self._check(used[0] + pending.bytes, used[1] + pending.files, size)
                    pending.bytes += size
                    pending.files += 1
                    charged = True
            yield
        finally:
            if charged:  # under the lock: a check reading the database meanwhile still counts this upload
                async with pending.lock:
                    pending.bytes -= size
                    pending.files -= 1
            pending.holders -= 1
            if not pending.holders:
                del self._pending[user.id]

    def _check(self, used_bytes: int, used_files: int, size: int) -> None:
        if used_files + 1 > self._max_files:
            raise QuotaExceeded(
                f"You have {used_files} of your {self._max_files} files: delete some to upload more",
                quota="FILES",
                limit=self._max_files,
                used=used_files,
            )
        if used_bytes + size > self._max_bytes:
            raise QuotaExceeded(
                f"This file ({size} bytes) would take you past your storage quota: {used_bytes} of "
                f"{self._max_bytes} bytes used. Delete some uploads to make room",
                quota="BYTES",
                limit=self._max_bytes,
                used=used_bytes,
                requested=size,
            )


async def _stored(session: AsyncSession, user_id: str) -> tuple[int, int]:
    """Bytes and files the account holds: its resumes' file sizes and its samples' characters."""
    resume_bytes, resumes = (
        await session.execute(
            select(func.coalesce(func.sum(Resume.file_size), 0), func.count()).where(Resume.user_id == user_id)
        )
    ).one()
    sample_bytes, samples = (
        await session.execute(
            select(func.coalesce(func.sum(Sample.character_count), 0), func.count()).where(Sample.user_id == user_id)
        )
    ).one()
    return int(resume_bytes) + int(sample_bytes), int(resumes) + int(samples)
