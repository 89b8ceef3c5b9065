"""improvements and their runs

Revision ID: 0012_improvements
Revises: 0011_analyses
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UTCDateTime

revision = "0012_improvements"
down_revision = "0011_analyses"
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'RUNNING'")


def upgrade() -> None:
    op.create_table(
        "improvements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("resume_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("original_score", sa.Float(), nullable=False),
        sa.Column("improved_score", sa.Float(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_improvements_job_id_jobs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["resume_id"], ["resumes.id"], name=op.f("fk_improvements_resume_id_resumes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_improvements_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvements")),
        sa.UniqueConstraint("resume_id", "job_id", name=op.f("uq_improvements_resume_id_job_id")),
    )
    with op.batch_alter_table("improvements", schema=None) as batch_op:
        batch_op.create_index("ix_improvements_job_id", ["job_id"], unique=False)
        batch_op.create_index("ix_improvements_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_improvements_user_id_updated_at_id", ["user_id", "updated_at", "id"], unique=False)
    op.create_table(
        "improvement_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("resume_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("analyze_again", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("improvement_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_improvement_runs_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resume_id"], ["resumes.id"], name=op.f("fk_improvement_runs_resume_id_resumes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_improvement_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_runs")),
    )
    with op.batch_alter_table("improvement_runs", schema=None) as batch_op:
        batch_op.create_index("ix_improvement_runs_job_id", ["job_id"], unique=False)
        batch_op.create_index("ix_improvement_runs_resume_id", ["resume_id"], unique=False)
        batch_op.create_index("ix_improvement_runs_status_heartbeat_at", ["status", "heartbeat_at"], unique=False)
        batch_op.create_index(
            "ix_improvement_runs_user_id_resume_id_job_id_started_at",
            ["user_id", "resume_id", "job_id", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            "uq_improvement_runs_running",
            ["user_id", "resume_id", "job_id"],
            unique=True,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        )


def downgrade() -> None:
    with op.batch_alter_table("improvement_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_improvement_runs_running", sqlite_where=RUNNING, postgresql_where=RUNNING)
        batch_op.drop_index("ix_improvement_runs_user_id_resume_id_job_id_started_at")
        batch_op.drop_index("ix_improvement_runs_status_heartbeat_at")
        batch_op.drop_index("ix_improvement_runs_resume_id")
        batch_op.drop_index("ix_improvement_runs_job_id")

    op.drop_table("improvement_runs")
    with op.batch_alter_table("improvements", schema=None) as batch_op:
        batch_op.drop_index("ix_improvements_user_id_updated_at_id")
        batch_op.drop_index("ix_improvements_created_at")
        batch_op.drop_index("ix_improvements_job_id")

    op.drop_table("improvements")
