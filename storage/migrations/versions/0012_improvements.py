"""improvements and their runs

Revision ID: 0012_improvements
Revises: 0011_analyses
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0012_improvements"
down_revision = "0011_analyses"
branch_labels = None
depends_on = None


REFERENCES = {"job_id": "jobs", "resume_id": "resumes", "user_id": "users"}
IMPROVEMENT_INDEXES = (("job_id",), ("created_at",), ("user_id", "updated_at", "id"))
RUN_INDEXES = (
    ("job_id",),
    ("resume_id",),
    ("status", "heartbeat_at"),
    ("user_id", "resume_id", "job_id", "started_at"),
    shapes.Partial("uq_improvement_runs_running", ("user_id", "resume_id", "job_id"), "status = 'RUNNING'"),
)


def upgrade() -> None:
    shapes.create_table(
        "improvements",
        *shapes.keys("id", "user_id", "resume_id", "job_id"),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        *shapes.columns(sa.Float(), "original_score", "improved_score"),
        sa.Column("result", sa.JSON(), nullable=False),
        *shapes.times("created_at", "updated_at"),
        references=REFERENCES,
        unique=[("resume_id", "job_id")],
        indexes=IMPROVEMENT_INDEXES,
    )
    shapes.create_table(
        "improvement_runs",
        *shapes.keys("id", "user_id", "resume_id", "job_id"),
        sa.Column("analyze_again", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        *shapes.keys("improvement_id", nullable=True),
        *shapes.times("started_at", "heartbeat_at"),
        *shapes.times("finished_at", nullable=True),
        references=REFERENCES,
        indexes=RUN_INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("improvement_runs", *RUN_INDEXES)
    shapes.drop_table("improvements", *IMPROVEMENT_INDEXES)
