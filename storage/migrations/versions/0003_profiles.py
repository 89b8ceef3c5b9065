"""profiles

Revision ID: 0003_profiles
Revises: 0002_jobs
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.migrations import shapes

revision = "0003_profiles"
down_revision = "0002_jobs"
branch_labels = None
depends_on = None


# The lists under a profile, in the order they are made; each keeps its items in `position` order.
PARTS = ("certifications", "education", "experiences", "profile_skills", "projects")
BY_POSITION = ("profile_id", "position")


def _create_part(name: str, *own: sa.Column[object]) -> None:
    """A part's own columns, then the keys, position and timestamps that every part has."""
    shapes.create_table(
        name,
        *own,
        *shapes.keys("id", "user_id", "profile_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        *shapes.times("created_at", "updated_at"),
        references={"profile_id": "profiles", "user_id": "users"},
        indexes=[BY_POSITION],
    )


def upgrade() -> None:
    shapes.create_table(
        "profiles",
        *shapes.keys("id", "user_id"),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("headline", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        *shapes.columns(sa.Text(), "summary", "enhanced_summary", nullable=True),
        *shapes.times("created_at", "updated_at"),
        references={"user_id": "users"},
        unique=[("user_id",)],
    )
    _create_part(
        "certifications",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued_month", sa.Date(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
    )
    _create_part(
        "education",
        sa.Column("institution", sa.String(length=200), nullable=False),
        *shapes.columns(sa.String(length=200), "degree", "field_of_study", nullable=True),
        *shapes.columns(sa.Date(), "start_month", "end_month", nullable=True),
        sa.Column("gpa", sa.Float(), nullable=True),
        sa.Column("honours", sa.String(length=300), nullable=True),
    )
    _create_part(
        "experiences",
        *shapes.columns(sa.String(length=200), "title", "company"),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("end_month", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        *shapes.columns(sa.JSON(), "highlights", "skills"),
        sa.Column("enhanced_description", sa.Text(), nullable=True),
    )
    _create_part(
        "profile_skills",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
    )
    _create_part(
        "projects",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("technologies", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        *shapes.columns(sa.Date(), "start_month", "end_month", nullable=True),
        sa.Column("enhanced_description", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for name in reversed(PARTS):
        shapes.drop_table(name, BY_POSITION)
    shapes.drop_table("profiles")
