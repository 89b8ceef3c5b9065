"""samples

Revision ID: 0006_samples
Revises: 0005_index_outbox
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0006_samples"
down_revision = "0005_index_outbox"
branch_labels = None
depends_on = None


INDEXES = (("user_id",), shapes.Partial("uq_samples_active_per_type", ("user_id", "document_type"), "is_active"))


def upgrade() -> None:
    shapes.create_table(
        "samples",
        *shapes.keys("id", "user_id"),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("full_text", sa.Text(), nullable=False),
        *shapes.columns(sa.Integer(), "word_count", "character_count"),
        *shapes.columns(sa.JSON(), "writing_style", "style_metadata", nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *shapes.times("created_at", "updated_at"),
        references={"user_id": "users"},
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("samples", *INDEXES)
