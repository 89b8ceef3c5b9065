"""The shapes the revisions repeat: key and time columns, named constraints, indexes made and dropped in batch.

Each helper builds the very objects a revision used to spell out, in the same order, so the DDL is the same
to the byte on SQLite and PostgreSQL. Constraint names are the ones `storage.db.NAMING_CONVENTION` gives,
written out (`op.f`) so that a revision never depends on the convention of the day. A revision that has
shipped is history: change a helper only in ways that leave the DDL of every revision as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeEngine

from storage.db import UTCDateTime


@dataclass(frozen=True)
class Partial:
    """A unique index over the rows that match `where` (the same clause on SQLite and PostgreSQL)."""

    name: str
    columns: tuple[str, ...]
    where: str


Index = tuple[str, ...] | Partial  # a plain index is its columns, named ix_<table>_<columns>


def columns(type_: TypeEngine[object], *names: str, nullable: bool = False) -> list[sa.Column[object]]:
    """Columns of one type side by side, NOT NULL unless `nullable`."""
    return [sa.Column(name, type_, nullable=nullable) for name in names]


def keys(*names: str, nullable: bool = False) -> list[sa.Column[object]]:
    """Key columns: a row's id and the ids it points at (uuid4 strings)."""
    return columns(sa.String(length=36), *names, nullable=nullable)


def times(*names: str, nullable: bool = False) -> list[sa.Column[object]]:
    """UTC timestamps (`storage.db.UTCDateTime`)."""
    return columns(UTCDateTime(), *names, nullable=nullable)


def create_table(
    name: str,
    *items: sa.Column[object],
    references: Mapping[str, str] | None = None,
    set_null: Collection[str] = (),
    primary_key: str = "id",
    unique: Iterable[tuple[str, ...]] = (),
    indexes: Iterable[Index] = (),
) -> None:
    """The table, then its indexes.

    `references` maps a column to the table whose id it holds, in the order the foreign keys are written;
    deleting that row deletes this one, or sets the column NULL for the columns in `set_null`.
    """
    op.create_table(
        name,
        *items,
        *(
            sa.ForeignKeyConstraint(
                [column],
                [f"{target}.id"],
                name=op.f(f"fk_{name}_{column}_{target}"),
                ondelete="SET NULL" if column in set_null else "CASCADE",
            )
            for column, target in (references or {}).items()
        ),
        sa.PrimaryKeyConstraint(primary_key, name=op.f(f"pk_{name}")),
        *(sa.UniqueConstraint(*cols, name=op.f(f"uq_{name}_{'_'.join(cols)}")) for cols in unique),
    )
    create_indexes(name, *indexes)


def drop_table(name: str, *indexes: Index) -> None:
    """Undo `create_table`: its indexes, last first, then the table."""
    drop_indexes(name, *indexes)
    op.drop_table(name)


def create_indexes(table: str, *indexes: Index) -> None:
    if not indexes:
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for index in indexes:
            if isinstance(index, Partial):
                where = sa.text(index.where)
                batch_op.create_index(
                    index.name, list(index.columns), unique=True, sqlite_where=where, postgresql_where=where
                )
            else:
                batch_op.create_index(f"ix_{table}_{'_'.join(index)}", list(index), unique=False)


def drop_indexes(table: str, *indexes: Index) -> None:
    if not indexes:
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for index in reversed(indexes):
            if isinstance(index, Partial):
                where = sa.text(index.where)
                batch_op.drop_index(index.name, sqlite_where=where, postgresql_where=where)
            else:
                batch_op.drop_index(f"ix_{table}_{'_'.join(index)}")
