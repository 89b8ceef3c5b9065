"""generations

Revision ID: 0009_generations
Revises: 0008_rankings
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0009_generations"
down_revision = "0008_rankings"
branch_labels = None
depends_on = None


INDEXES = (("user_id", "created_at", "id"), ("user_id", "job_id"))


def upgrade() -> None:
    shapes.create_table(
        "generations",
        *shapes.keys("id", "user_id"),
        *shapes.keys("job_id", nullable=True),
        *shapes.columns(sa.String(length=200), "job_title", "company", nullable=True),
        *shapes.keys("ranking_id", nullable=True),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *shapes.columns(sa.Text(), "content_text", "content_markdown"),
        *shapes.columns(sa.JSON(), "options", "inputs", "content_used"),
        sa.Column("ats_score", sa.Float(), nullable=False),
        *shapes.columns(sa.JSON(), "ats_feedback", "llm_metadata", "warnings"),
        *shapes.times("created_at"),
        references={"job_id": "jobs", "ranking_id": "rankings", "user_id": "users"},
        set_null={"job_id", "ranking_id"},
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("generations", *INDEXES)
