"""index outbox

Revision ID: 0005_index_outbox
Revises: 0004_embedding_cache
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0005_index_outbox"
down_revision = "0004_embedding_cache"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_table(
        "index_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("collection", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *shapes.times("created_at"),
    )


def downgrade() -> None:
    shapes.drop_table("index_outbox")
