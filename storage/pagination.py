"""Keyset reads of newest-first lists over (moment, id): the one query every growing list runs.

A list runs newest first on (moment, id), both descending (`moment` is `created_at`, or `updated_at`
for improvements). `after` keeps the rows past a key in that order (older), `before` the rows ahead of
it (newer). Forward reads start at the newest end; backward reads start at the oldest end and return
rows oldest first: the caller turns them around (domain.pagination reads a page as a keyset one row
longer than the page, and the extra row says whether there are more).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

Key = tuple[datetime, str]  # (moment, id) of a row
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Keyset:
    """Which rows to read: `limit` of them at most, strictly between `after` and `before`, from the
    newest end, or from the oldest end when `backward`."""

    limit: int
    after: Key | None = None
    before: Key | None = None
    backward: bool = False


def keyset(query: Select[Any], moment: InstrumentedAttribute[datetime], row_id: Any, keys: Keyset) -> Select[Any]:
    """`query` cut to the keyset: bounded by `after`/`before`, ordered and limited for its direction."""
    if keys.after is not None:
        at, key_id = keys.after
        query = query.where(or_(moment < at, and_(moment == at, row_id < key_id)))
    if keys.before is not None:
        at, key_id = keys.before
        query = query.where(or_(moment > at, and_(moment == at, row_id > key_id)))
    order = (moment.asc(), row_id.asc()) if keys.backward else (moment.desc(), row_id.desc())
    return query.order_by(*order).limit(keys.limit)


async def read_page(
    session: AsyncSession,
    entity: type[M],
    conditions: Sequence[ColumnElement[bool]],
    keys: Keyset,
    moment: InstrumentedAttribute[datetime] | None = None,
) -> tuple[list[M], int]:
    """The rows of `entity` matching `conditions` that the keyset selects (in reading order, see
    `keyset`), and how many match in all."""
    model: Any = entity
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    query = keyset(select(model).where(*conditions), moment or model.created_at, model.id, keys)
    return list(await session.scalars(query)), int(total or 0)
