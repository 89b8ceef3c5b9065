"""jobs

Revision ID: 0002_jobs
Revises: 0001_users
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0002_jobs"
down_revision = "0001_users"
branch_labels = None
depends_on = None


INDEXES = (("user_id", "created_at"), ("visibility", "created_at"))


def upgrade() -> None:
    shapes.create_table(
        "jobs",
        *shapes.keys("id", "user_id"),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        *shapes.columns(sa.String(length=200), "title", "company", "location", nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("search_text", sa.String(length=420), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("years_required", sa.Integer(), nullable=True),
        *shapes.columns(
            sa.JSON(), "requirements", "nice_to_haves", "responsibilities", "skills", "keywords", "overrides"
        ),
        *shapes.times("created_at", "updated_at"),
        references={"user_id": "users"},
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("jobs", *INDEXES)
