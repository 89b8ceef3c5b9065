"""Writing samples: the table (one active sample per user and type, by a partial unique index) and
its repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.pagination import Keyset, read_page


class Sample(Base):
    __tablename__ = "samples"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    document_type: Mapped[str] = mapped_column(String(20))  # RESUME | COVER_LETTER
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    full_text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    character_count: Mapped[int] = mapped_column(Integer)
    writing_style: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    style_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# Exactly one active sample per user and type: a partial unique index, on SQLite and PostgreSQL.
Index(
    "uq_samples_active_per_type",
    Sample.user_id,
    Sample.document_type,
    unique=True,
    sqlite_where=text("is_active"),
    postgresql_where=text("is_active"),
)


class SampleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_active(self, sample: Sample) -> Sample:
        """Deactivate the current active sample of the type, then add this one as active."""
        await self.session.execute(
            update(Sample)
            .where(Sample.user_id == sample.user_id, Sample.document_type == sample.document_type, Sample.is_active)
            .values(is_active=False)
        )
        sample.is_active = True
        self.session.add(sample)
        await self.session.flush()
        return sample

    async def find_owned(self, user_id: str, sample_id: str) -> Sample | None:
        return await self.session.scalar(select(Sample).where(Sample.id == sample_id, Sample.user_id == user_id))

    async def active(self, user_id: str, document_type: str) -> Sample | None:
        return await self.session.scalar(
            select(Sample).where(Sample.user_id == user_id, Sample.document_type == document_type, Sample.is_active)
        )

    async def page(
        self, user_id: str, keys: Keyset, *, document_type: str | None, is_active: bool | None
    ) -> tuple[list[Sample], int]:
        """The rows of the filter the keyset selects, in its reading order, and how many match."""
        conditions: list[ColumnElement[bool]] = [Sample.user_id == user_id]
        if document_type is not None:
            conditions.append(Sample.document_type == document_type)
        if is_active is not None:
            conditions.append(Sample.is_active.is_(is_active))
        return await read_page(self.session, Sample, conditions, keys)

    async def delete(self, sample: Sample) -> None:
        """Delete; if it was the active one, the newest remaining sample of its type takes over."""
        await self.session.execute(delete(Sample).where(Sample.id == sample.id))
        if sample.is_active:
            successor = await self.session.scalar(
                select(Sample)
                .where(Sample.user_id == sample.user_id, Sample.document_type == sample.document_type)
                .order_by(Sample.created_at.desc(), Sample.id.desc())
                .limit(1)
            )
            if successor is not None:
                successor.is_active = True
                await self.session.flush()
