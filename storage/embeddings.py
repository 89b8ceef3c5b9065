"""The embedding cache: vectors by content hash, so the same text is never encoded twice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, utcnow

LOOKUP_CHUNK = 500  # bound the IN (...) list


class CachedEmbedding(Base):
    __tablename__ = "embedding_cache"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of model + text
    model: Mapped[str] = mapped_column(String(200))
    dims: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmbeddingCacheRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, hashes: Sequence[str], newer_than: datetime | None = None) -> dict[str, bytes]:
        """Vectors by hash; with `newer_than`, older entries count as missing (they are encoded again)."""
        found: dict[str, bytes] = {}
        for start in range(0, len(hashes), LOOKUP_CHUNK):
            chunk = hashes[start : start + LOOKUP_CHUNK]
            query = select(CachedEmbedding.content_hash, CachedEmbedding.vector).where(
                CachedEmbedding.content_hash.in_(chunk)
            )
            if newer_than is not None:
                query = query.where(CachedEmbedding.created_at > newer_than)
            rows = await self.session.execute(query)
            found.update({content_hash: vector for content_hash, vector in rows})
        return found

    async def put_many(self, model: str, dims: int, vectors: Iterable[tuple[str, bytes]]) -> None:
        """Insert, or refresh an expired entry (the same text gives the same vector, so writers agree)."""
        rows = [
            {"content_hash": h, "model": model, "dims": dims, "vector": v, "created_at": utcnow()} for h, v in vectors
        ]
        if not rows:
            return
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(CachedEmbedding).values(rows)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CachedEmbedding.content_hash],
                set_={"vector": statement.excluded.vector, "created_at": statement.excluded.created_at},
            )
        )
