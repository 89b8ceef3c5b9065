"""What is stored, counted: a user's rows of each kind with the newest few, and global totals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def owned_totals(session: AsyncSession, model: Any, user_id: str, newest: int) -> tuple[int, list[Any]]:
    """How many rows of `model` the user has, and the `newest` of them (by creation)."""
    total = await session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))
    rows = await session.scalars(
        select(model).where(model.user_id == user_id).order_by(model.created_at.desc(), model.id.desc()).limit(newest)
    )
    return int(total or 0), list(rows)


async def table_total(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def as_record(row: Any, *, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A row's columns as JSON-ready values (times in ISO 8601)."""
    record: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in leave_out:
            continue
        value = getattr(row, column.key)
        record[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return record


async def owned_rows(session: AsyncSession, model: Any, user_id: str) -> list[Any]:
    """Every row of `model` that belongs to the user, oldest first."""
    order = [model.created_at, model.id] if hasattr(model, "created_at") else [model.id]
    return list(await session.scalars(select(model).where(model.user_id == user_id).order_by(*order)))
