"""rankings

Revision ID: 0008_rankings
Revises: 0007_resumes
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0008_rankings"
down_revision = "0007_resumes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_table(
        "rankings",
        *shapes.keys("id", "user_id", "job_id"),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        *shapes.columns(sa.JSON(), "keyword_matches", "llm_metadata"),
        sa.Column("status", sa.String(length=16), nullable=False),
        *shapes.times("created_at", "updated_at"),
        references={"job_id": "jobs", "user_id": "users"},
        unique=[("user_id", "job_id")],
    )


def downgrade() -> None:
    shapes.drop_table("rankings")
