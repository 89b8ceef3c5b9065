"""analyses

Revision ID: 0011_analyses
Revises: 0010_ranking_prompt
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0011_analyses"
down_revision = "0010_ranking_prompt"
branch_labels = None
depends_on = None


INDEXES = (("job_id",), ("user_id", "created_at", "id"), ("user_id", "resume_id", "job_id"))


def upgrade() -> None:
    shapes.create_table(
        "score_cache",
        *shapes.keys("id", "user_id"),
        *shapes.columns(sa.String(length=64), "subject", "inputs_hash"),
        sa.Column("result", sa.JSON(), nullable=False),
        *shapes.times("created_at", "expires_at"),
        references={"user_id": "users"},
        unique=[("user_id", "subject")],
    )
    shapes.create_table(
        "analyses",
        *shapes.keys("id", "user_id", "resume_id", "job_id"),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("match_percentage", sa.Float(), nullable=False),
        sa.Column("recommendation_level", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        *shapes.times("created_at", "expires_at"),
        references={"job_id": "jobs", "resume_id": "resumes", "user_id": "users"},
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("analyses", *INDEXES)
    shapes.drop_table("score_cache")
