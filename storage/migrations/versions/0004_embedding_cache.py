"""embedding cache

Revision ID: 0004_embedding_cache
Revises: 0003_profiles
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UTCDateTime

revision = "0004_embedding_cache"
down_revision = "0003_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embedding_cache",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_embedding_cache")),
    )


def downgrade() -> None:
    op.drop_table("embedding_cache")
