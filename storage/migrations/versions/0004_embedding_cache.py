"""embedding cache

Revision ID: 0004_embedding_cache
Revises: 0003_profiles
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0004_embedding_cache"
down_revision = "0003_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_table(
        "embedding_cache",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        *shapes.times("created_at"),
        primary_key="content_hash",
    )


def downgrade() -> None:
    shapes.drop_table("embedding_cache")
