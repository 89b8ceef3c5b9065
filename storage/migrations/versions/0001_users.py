"""users

Revision ID: 0001_users
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0001_users"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_table(
        "users",
        *shapes.keys("id"),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        *shapes.times("created_at", "updated_at"),
        *shapes.times("last_login_at", nullable=True),
        unique=[("email",)],
    )


def downgrade() -> None:
    shapes.drop_table("users")
