"""The master profile and its ordered sections, and the repository that reads and writes them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, new_id, utcnow


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    headline: Mapped[str | None] = mapped_column(String(300), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    enhanced_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SectionItem(Base):
    """Columns every section item has: owner, profile, place in the list, timestamps."""

    __abstract__ = True

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    profile_id: Mapped[str] = mapped_column(String(36), ForeignKey("profiles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Experience(SectionItem):
    __tablename__ = "experiences"
    __table_args__ = (Index("ix_experiences_profile_id_position", "profile_id", "position"),)

    title: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    start_month: Mapped[date] = mapped_column(Date)
    end_month: Mapped[date | None] = mapped_column(Date, nullable=True)  # null: present
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    highlights: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    enhanced_description: Mapped[str | None] = mapped_column(Text, nullable=True)


class Project(SectionItem):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_profile_id_position", "profile_id", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    technologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    start_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    enhanced_description: Mapped[str | None] = mapped_column(Text, nullable=True)


class ProfileSkill(SectionItem):
    __tablename__ = "profile_skills"
    __table_args__ = (Index("ix_profile_skills_profile_id_position", "profile_id", "position"),)

    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Education(SectionItem):
    __tablename__ = "education"
    __table_args__ = (Index("ix_education_profile_id_position", "profile_id", "position"),)

    institution: Mapped[str] = mapped_column(String(200))
    degree: Mapped[str | None] = mapped_column(String(200), nullable=True)
    field_of_study: Mapped[str | None] = mapped_column(String(200), nullable=True)
    start_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    gpa: Mapped[float | None] = mapped_column(Float, nullable=True)
    honours: Mapped[str | None] = mapped_column(String(300), nullable=True)


class Certification(SectionItem):
    __tablename__ = "certifications"
    __table_args__ = (Index("ix_certifications_profile_id_position", "profile_id", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    issued_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)


SECTION_MODELS: dict[str, type[SectionItem]] = {
    "experiences": Experience,
    "projects": Project,
    "skills": ProfileSkill,
    "education": Education,
    "certifications": Certification,
}


class ProfileRace(Exception):
    """Two first writes created the same user's profile at once; retrying finds the winner's."""


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_user(self, user_id: str) -> Profile | None:
        return await self.session.scalar(select(Profile).where(Profile.user_id == user_id))

    async def ensure(self, user_id: str) -> Profile:
        """The user's profile, created on first write. A concurrent first write wins the unique index
        and this one raises `ProfileRace`: the caller's transaction is spoilt and should be retried."""
        profile = await self.of_user(user_id)
        if profile is not None:
            return profile
        profile = Profile(user_id=user_id)
        self.session.add(profile)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise ProfileRace(user_id) from exc
        return profile

    async def item(self, model: type[SectionItem], user_id: str, item_id: str) -> Any:
        return await self.session.scalar(select(model).where(model.id == item_id, model.user_id == user_id))

    async def items(self, model: type[SectionItem], profile_id: str) -> list[Any]:
        query = select(model).where(model.profile_id == profile_id).order_by(model.position, model.created_at)
        return list(await self.session.scalars(query))

    async def next_position(self, model: type[SectionItem], profile_id: str) -> int:
        highest = await self.session.scalar(select(func.max(model.position)).where(model.profile_id == profile_id))
        return 0 if highest is None else int(highest) + 1

    def add(self, item: SectionItem) -> None:
        self.session.add(item)

    async def delete(self, model: type[SectionItem], item_id: str) -> None:
        await self.session.execute(delete(model).where(model.id == item_id))

    async def items_by_ids(self, model: type[SectionItem], user_id: str, ids: Sequence[str]) -> list[Any]:
        if not ids:
            return []
        return list(await self.session.scalars(select(model).where(model.user_id == user_id, model.id.in_(ids))))

    async def items_of_profiles(self, model: type[SectionItem], profile_ids: Sequence[str]) -> list[list[Any]]:
        """One statement for many profiles (the DataLoader batch): lists in the order of `profile_ids`."""
        grouped: dict[str, list[Any]] = defaultdict(list)
        query = select(model).where(model.profile_id.in_(profile_ids)).order_by(model.position, model.created_at)
        for row in await self.session.scalars(query):
            grouped[row.profile_id].append(row)
        return [grouped[profile_id] for profile_id in profile_ids]
