"""Generated resumes and cover letters: each one kept with the options, ranking and inputs it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, read_page


class Generation(Base):
    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_generations_user_id_job_id", "user_id", "job_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    # The job may go (an admin deletes a public posting): the document stays, with the title and company
    # it was made for.
    job_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    job_title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ranking_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("rankings.id", ondelete="SET NULL"), nullable=True
    )
    document_type: Mapped[str] = mapped_column(String(20))  # RESUME | COVER_LETTER
    status: Mapped[str] = mapped_column(String(16), default="COMPLETED")
    content_text: Mapped[str] = mapped_column(Text)
    content_markdown: Mapped[str] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the person asked for
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # ranking hash and order, sample, profile version
    content_used: Mapped[dict[str, Any]] = mapped_column(JSON)
    ats_score: Mapped[float] = mapped_column(Float)
    ats_feedback: Mapped[dict[str, Any]] = mapped_column(JSON)  # breakdown, notes, matched/missing keywords
    llm_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GenerationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, generation: Generation) -> Generation:
        self.session.add(generation)
        return generation

    async def find_owned(self, user_id: str, generation_id: str) -> Generation | None:
        return await self.session.scalar(
            select(Generation).where(Generation.id == generation_id, Generation.user_id == user_id)
        )

    async def delete(self, user_id: str, generation_id: str) -> bool:
        result = await self.session.execute(
            delete(Generation).where(Generation.id == generation_id, Generation.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def page(
        self, user_id: str, keys: Keyset, *, document_type: str | None, job_id: str | None
    ) -> tuple[list[Generation], int]:
        """The rows of the filter the keyset selects, in its reading order, and how many match."""
        conditions: list[ColumnElement[bool]] = [Generation.user_id == user_id]
        if document_type:
            conditions.append(Generation.document_type == document_type)
        if job_id:
            conditions.append(Generation.job_id == job_id)
        return await read_page(self.session, Generation, conditions, keys)
