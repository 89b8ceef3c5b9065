"""Resume×job analyses (the match history) and cached resume scores, each with the hash of the inputs
it came from and an expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, read_page


class Analysis(Base):
    __tablename__ = "analyses"
    __table_args__ = (
        Index("ix_analyses_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_analyses_user_id_resume_id_job_id", "user_id", "resume_id", "job_id"),
        Index("ix_analyses_job_id", "job_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    resume_id: Mapped[str] = mapped_column(String(36), ForeignKey("resumes.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    match_percentage: Mapped[float] = mapped_column(Float)
    recommendation_level: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CachedScore(Base):
    """The latest score of a resume or of the master profile (`subject`), while its inputs are unchanged."""

    __tablename__ = "score_cache"
    __table_args__ = (UniqueConstraint("user_id", "subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(64))  # "resume:<id>" | "profile"
    inputs_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, analysis: Analysis) -> Analysis:
        self.session.add(analysis)
        return analysis

    async def fresh(
        self, user_id: str, resume_id: str, job_id: str, inputs_hash: str, now: datetime
    ) -> Analysis | None:
        """The newest unexpired analysis of the pair made from these very inputs."""
        return await self.session.scalar(
            select(Analysis)
            .where(
                Analysis.user_id == user_id,
                Analysis.resume_id == resume_id,
                Analysis.job_id == job_id,
                Analysis.inputs_hash == inputs_hash,
                Analysis.expires_at > now,
            )
            .order_by(Analysis.created_at.desc())
            .limit(1)
        )

    async def fresh_many(
        self, user_id: str, resume_id: str, hashes: dict[str, str], now: datetime
    ) -> dict[str, Analysis]:
        """For many jobs at once (job id → inputs hash): the fresh analyses there are, by job id."""
        if not hashes:
            return {}
        rows = await self.session.scalars(
            select(Analysis).where(
                Analysis.user_id == user_id,
                Analysis.resume_id == resume_id,
                Analysis.job_id.in_(list(hashes)),
                Analysis.inputs_hash.in_(list(set(hashes.values()))),
                Analysis.expires_at > now,
            )
        )
        found: dict[str, Analysis] = {}
        for row in rows:
            if hashes.get(row.job_id) == row.inputs_hash and (
                row.job_id not in found or row.created_at > found[row.job_id].created_at
            ):
                found[row.job_id] = row
        return found

    async def counts_by_job(self, user_id: str, job_ids: list[str]) -> dict[str, int]:
        rows = await self.session.execute(
            select(Analysis.job_id, func.count())
            .where(Analysis.user_id == user_id, Analysis.job_id.in_(job_ids))
            .group_by(Analysis.job_id)
        )
        return {job_id: int(count) for job_id, count in rows}

    async def find_owned(self, user_id: str, analysis_id: str) -> Analysis | None:
        return await self.session.scalar(
            select(Analysis).where(Analysis.id == analysis_id, Analysis.user_id == user_id)
        )

    async def page(
        self, user_id: str, keys: Keyset, *, job_id: str | None, resume_id: str | None
    ) -> tuple[list[Analysis], int]:
        """The rows of the filter the keyset selects, in its reading order, and how many match."""
        conditions: list[ColumnElement[bool]] = [Analysis.user_id == user_id]
        if job_id:
            conditions.append(Analysis.job_id == job_id)
        if resume_id:
            conditions.append(Analysis.resume_id == resume_id)
        return await read_page(self.session, Analysis, conditions, keys)


class ScoreCacheRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fresh(self, user_id: str, subject: str, inputs_hash: str, now: datetime) -> CachedScore | None:
        return await self.session.scalar(
            select(CachedScore).where(
                CachedScore.user_id == user_id,
                CachedScore.subject == subject,
                CachedScore.inputs_hash == inputs_hash,
                CachedScore.expires_at > now,
            )
        )

    async def forget(self, user_id: str, subject: str) -> None:
        await self.session.execute(
            delete(CachedScore).where(CachedScore.user_id == user_id, CachedScore.subject == subject)
        )

    async def save(self, user_id: str, subject: str, values: dict[str, Any]) -> CachedScore:
        row = await self.session.scalar(
            select(CachedScore).where(CachedScore.user_id == user_id, CachedScore.subject == subject)
        )
        if row is None:
            row = CachedScore(user_id=user_id, subject=subject, **values)
            self.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self.session.flush()
        return row
