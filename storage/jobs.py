"""Job postings: the table, and a repository that always scopes reads to what a user may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, read_page

PRIVATE = "PRIVATE"
PUBLIC = "PUBLIC"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
        Index("ix_jobs_visibility_created_at", "visibility", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(16), default=PRIVATE)
    raw_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    search_text: Mapped[str] = mapped_column(String(420), default="")  # title + company, case-folded
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    years_required: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    nice_to_haves: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsibilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # fields the person set explicitly
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def readable_by(user_id: str) -> ColumnElement[bool]:
        return or_(Job.user_id == user_id, Job.visibility == PUBLIC)

    async def readable(self, user_id: str, job_id: str) -> Job | None:
        """The job if the user may read it (theirs, or on the public board)."""
        return await self.session.scalar(select(Job).where(Job.id == job_id, self.readable_by(user_id)))

    async def readable_many(self, user_id: str, job_ids: list[str]) -> list[Job]:
        """By primary key, readability checked on the rows: with the OR in SQL, SQLite scans the table."""
        rows = await self.session.scalars(select(Job).where(Job.id.in_(job_ids)))
        return [job for job in rows if job.user_id == user_id or job.visibility == PUBLIC]

    async def newest_readable(self, user_id: str, limit: int) -> list[Job]:
        query = select(Job).where(self.readable_by(user_id)).order_by(Job.created_at.desc(), Job.id.desc())
        return list(await self.session.scalars(query.limit(limit)))

    async def find_owned(self, user_id: str, job_id: str) -> Job | None:
        return await self.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))

    async def public(self, job_id: str) -> Job | None:
        return await self.session.scalar(select(Job).where(Job.id == job_id, Job.visibility == PUBLIC))

    def add(self, job: Job) -> Job:
        self.session.add(job)
        return job

    async def delete(self, job: Job) -> None:
        await self.session.execute(delete(Job).where(Job.id == job.id))

    async def page(
        self, user_id: str, keys: Keyset, *, search: str | None, visibility: str | None
    ) -> tuple[list[Job], int]:
        """The rows of the filter the keyset selects, in its reading order, and how many match."""
        conditions: list[ColumnElement[bool]] = []
        if visibility == PRIVATE:
            conditions += [Job.user_id == user_id, Job.visibility == PRIVATE]
        elif visibility == PUBLIC:
            conditions.append(Job.visibility == PUBLIC)
        else:
            conditions.append(self.readable_by(user_id))
        if search:  # case-folded in Python: SQLite's lower() only knows ASCII
            conditions.append(Job.search_text.like(f"%{_escape_like(search.casefold())}%", escape="\\"))
        return await read_page(self.session, Job, conditions, keys)
