"""The index outbox: vector-index work recorded in the same transaction as the SQL write it follows,
so a crash between the commit and the index write heals when the outbox is next drained."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, utcnow

UPSERT = "upsert"
DELETE = "delete"
PURGE = "purge"  # every vector of one owner (item_id holds the user id) in the collection
DROP = "drop"  # a whole collection (an owner's own, when the owner goes)
DROP_BLOB = "dropblob"  # an uploaded file (item_id holds its digest), unless another row still uses it


class OutboxTask(Base):
    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    collection: Mapped[str] = mapped_column(String(64))  # up to "feedback-<user id>"
    item_id: Mapped[str] = mapped_column(String(64))  # a row id, a user id, or a file digest
    op: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def record_upsert(session: AsyncSession, collection: str, item_id: str, text: str, meta: dict[str, Any]) -> None:
    session.add(OutboxTask(collection=collection, item_id=item_id, op=UPSERT, text=text, meta=meta))


def record_delete(session: AsyncSession, collection: str, item_id: str) -> None:
    session.add(OutboxTask(collection=collection, item_id=item_id, op=DELETE))


def record_purge(session: AsyncSession, collection: str, user_id: str) -> None:
    session.add(OutboxTask(collection=collection, item_id=user_id, op=PURGE))


def record_collection_drop(session: AsyncSession, collection: str, user_id: str) -> None:
    session.add(OutboxTask(collection=collection, item_id=user_id, op=DROP))


def record_blob_drop(session: AsyncSession, digest: str) -> None:
    session.add(OutboxTask(collection="blobs", item_id=digest, op=DROP_BLOB))


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending(self, limit: int) -> list[OutboxTask]:
        return list(await self.session.scalars(select(OutboxTask).order_by(OutboxTask.id).limit(limit)))

    async def remove(self, ids: list[int]) -> None:
        if ids:
            await self.session.execute(delete(OutboxTask).where(OutboxTask.id.in_(ids)))

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(OutboxTask)) or 0)

    async def failed(self, ids: list[int]) -> None:
        if ids:
            await self.session.execute(
                update(OutboxTask).where(OutboxTask.id.in_(ids)).values(attempts=OutboxTask.attempts + 1)
            )
