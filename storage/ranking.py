"""Rankings: one per user and job, with the hash of the inputs it was computed from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, new_id, utcnow


class Ranking(Base):
    __tablename__ = "rankings"
    __table_args__ = (UniqueConstraint("user_id", "job_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    inputs_hash: Mapped[str] = mapped_column(String(64))  # of the profile items and the job
    custom_prompt: Mapped[str | None] = mapped_column(Text, nullable=True)  # the prompt it was ranked with
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{id, kind, score, matched}], best first
    rationale: Mapped[str] = mapped_column(Text)
    keyword_matches: Mapped[dict[str, int]] = mapped_column(JSON)
    llm_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="COMPLETED")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RankingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_owned(self, user_id: str, ranking_id: str) -> Ranking | None:
        return await self.session.scalar(select(Ranking).where(Ranking.id == ranking_id, Ranking.user_id == user_id))

    async def for_job(self, user_id: str, job_id: str) -> Ranking | None:
        return await self.session.scalar(select(Ranking).where(Ranking.user_id == user_id, Ranking.job_id == job_id))

    async def save(self, user_id: str, job_id: str, values: dict[str, Any]) -> Ranking:
        """Replace the user's ranking for the job (one row per pair)."""
        ranking = await self.for_job(user_id, job_id)
        if ranking is None:
            ranking = Ranking(user_id=user_id, job_id=job_id, **values)
            self.session.add(ranking)
        else:
            for name, value in values.items():
                setattr(ranking, name, value)
            ranking.created_at = utcnow()
        await self.session.flush()
        return ranking
