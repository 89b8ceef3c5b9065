"""rankings remember their prompt (the inputs hash covers the profile and the job only)

Revision ID: 0010_ranking_prompt
Revises: 0009_generations
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_ranking_prompt"
down_revision = "0009_generations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_prompt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rankings", schema=None) as batch_op:
        batch_op.drop_column("custom_prompt")
