"""feedback; outbox items may name a file digest and a person's own collection

Revision ID: 0013_feedback
Revises: 0012_improvements
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UTCDateTime

revision = "0013_feedback"
down_revision = "0012_improvements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "item_id", existing_type=sa.String(length=36), type_=sa.String(length=64), existing_nullable=False
        )
        batch_op.alter_column(
            "collection", existing_type=sa.String(length=40), type_=sa.String(length=64), existing_nullable=False
        )
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_feedback_job_id_jobs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_job_id", ["job_id"], unique=False)
        batch_op.create_index("ix_feedback_subject_type_subject_id", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index("ix_feedback_user_id_created_at_id", ["user_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_feedback_user_id_rating", ["user_id", "rating"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_user_id_rating")
        batch_op.drop_index("ix_feedback_user_id_created_at_id")
        batch_op.drop_index("ix_feedback_subject_type_subject_id")
        batch_op.drop_index("ix_feedback_job_id")

    op.drop_table("feedback")
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "collection", existing_type=sa.String(length=64), type_=sa.String(length=40), existing_nullable=False
        )
        batch_op.alter_column(
            "item_id", existing_type=sa.String(length=64), type_=sa.String(length=36), existing_nullable=False
        )
