"""resumes

Revision ID: 0007_resumes
Revises: 0006_samples
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0007_resumes"
down_revision = "0006_samples"
branch_labels = None
depends_on = None


INDEXES = (("user_id", "created_at"),)


def upgrade() -> None:
    shapes.create_table(
        "resumes",
        *shapes.keys("id", "user_id"),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("parsed", sa.JSON(), nullable=False),
        sa.Column("candidate_name", sa.String(length=200), nullable=True),
        *shapes.times("created_at"),
        references={"user_id": "users"},
        unique=[("user_id", "content_hash")],
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("resumes", *INDEXES)
