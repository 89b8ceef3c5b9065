"""feedback; outbox items may name a file digest and a person's own collection

Revision ID: 0013_feedback
Revises: 0012_improvements
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes

revision = "0013_feedback"
down_revision = "0012_improvements"
branch_labels = None
depends_on = None


INDEXES = (("job_id",), ("subject_type", "subject_id"), ("user_id", "created_at", "id"), ("user_id", "rating"))


def upgrade() -> None:
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "item_id", existing_type=sa.String(length=36), type_=sa.String(length=64), existing_nullable=False
        )
        batch_op.alter_column(
            "collection", existing_type=sa.String(length=40), type_=sa.String(length=64), existing_nullable=False
        )
    shapes.create_table(
        "feedback",
        *shapes.keys("id", "user_id"),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        *shapes.keys("subject_id"),
        *shapes.keys("job_id", nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        *shapes.columns(sa.Text(), "comment", "query", "response", nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        *shapes.times("created_at"),
        references={"job_id": "jobs", "user_id": "users"},
        set_null={"job_id"},
        indexes=INDEXES,
    )


def downgrade() -> None:
    shapes.drop_table("feedback", *INDEXES)
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "collection", existing_type=sa.String(length=64), type_=sa.String(length=40), existing_nullable=False
        )
        batch_op.alter_column(
            "item_id", existing_type=sa.String(length=64), type_=sa.String(length=36), existing_nullable=False
        )
