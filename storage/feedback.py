"""Feedback on what Tailor produced: a rating of one of the person's generations, improvements,
analyses or rankings, with a comment and the query and response it was about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, keyset


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_feedback_user_id_rating", "user_id", "rating"),
        Index("ix_feedback_subject_type_subject_id", "subject_type", "subject_id"),
        Index("ix_feedback_job_id", "job_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(16))  # GENERATION | IMPROVEMENT | ANALYSIS | RANKING
    subject_id: Mapped[str] = mapped_column(String(36))  # kept when the subject is deleted: feedback is history
    job_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # job, resume or profile text, subject facts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _filters(
    user_id: str, min_rating: int | None, since: datetime | None, subject_type: str | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Feedback.user_id == user_id]
    if subject_type is not None:
        conditions.append(Feedback.subject_type == subject_type)
    if min_rating is not None:
        conditions.append(Feedback.rating >= min_rating)
    if since is not None:
        conditions.append(Feedback.created_at >= since)
    return conditions


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, feedback: Feedback) -> Feedback:
        self.session.add(feedback)
        return feedback

    async def find_owned_many(self, user_id: str, ids: list[str]) -> list[Feedback]:
        if not ids:
            return []
        return list(
            await self.session.scalars(select(Feedback).where(Feedback.user_id == user_id, Feedback.id.in_(ids)))
        )

    async def page(
        self,
        user_id: str,
        keys: Keyset,
        *,
        min_rating: int | None = None,
        since: datetime | None = None,
        subject_type: str | None = None,
    ) -> list[Feedback]:
        """The rows of the filter the keyset selects, in its reading order (backward: oldest first)."""
        query = select(Feedback).where(*_filters(user_id, min_rating, since, subject_type))
        return list(await self.session.scalars(keyset(query, Feedback.created_at, Feedback.id, keys)))

    async def count(
        self,
        user_id: str,
        min_rating: int | None = None,
        since: datetime | None = None,
        subject_type: str | None = None,
    ) -> int:
        query = select(func.count()).select_from(Feedback).where(*_filters(user_id, min_rating, since, subject_type))
        return int(await self.session.scalar(query) or 0)

    async def by_rating(self, user_id: str) -> dict[int, int]:
        rows = await self.session.execute(
            select(Feedback.rating, func.count()).where(Feedback.user_id == user_id).group_by(Feedback.rating)
        )
        return {int(rating): int(count) for rating, count in rows}

    async def by_subject(self, user_id: str) -> dict[str, tuple[int, float]]:
        rows = await self.session.execute(
            select(Feedback.subject_type, func.count(), func.avg(Feedback.rating))
            .where(Feedback.user_id == user_id)
            .group_by(Feedback.subject_type)
        )
        return {subject: (int(count), float(average)) for subject, count, average in rows}

    async def ratings_since(self, user_id: str, since: datetime) -> list[tuple[datetime, int]]:
        rows = await self.session.execute(
            select(Feedback.created_at, Feedback.rating).where(
                Feedback.user_id == user_id, Feedback.created_at >= since
            )
        )
        return [(created, int(rating)) for created, rating in rows]
