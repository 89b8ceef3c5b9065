"""Uploaded resumes: the table (one row per user and file content) and its repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, read_page


class Resume(Base):
    __tablename__ = "resumes"
    __table_args__ = (
        UniqueConstraint("user_id", "content_hash"),
        Index("ix_resumes_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))  # the blob's name
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    parsed: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidate_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResumeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_hash(self, user_id: str, digest: str) -> Resume | None:
        return await self.session.scalar(select(Resume).where(Resume.user_id == user_id, Resume.content_hash == digest))

    async def find_owned(self, user_id: str, resume_id: str) -> Resume | None:
        return await self.session.scalar(select(Resume).where(Resume.id == resume_id, Resume.user_id == user_id))

    async def find_owned_many(self, user_id: str, resume_ids: list[str]) -> list[Resume]:
        return list(
            await self.session.scalars(select(Resume).where(Resume.id.in_(resume_ids), Resume.user_id == user_id))
        )

    async def hash_in_use(self, digest: str) -> bool:
        return bool(await self.session.scalar(select(func.count()).where(Resume.content_hash == digest)))

    def add(self, resume: Resume) -> None:
        self.session.add(resume)

    async def delete(self, resume: Resume) -> None:
        await self.session.execute(delete(Resume).where(Resume.id == resume.id))

    async def page(self, user_id: str, keys: Keyset) -> tuple[list[Resume], int]:
        """The rows of the filter the keyset selects, in its reading order, and how many match."""
        return await read_page(self.session, Resume, [Resume.user_id == user_id], keys)
