"""GraphQL types of the master profile. Section lists resolve through per-operation DataLoaders."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from domain.months import experience_years, format_month
from graph.context import Context
from graph.loaders import (
    CertificationsByProfileIdLoader,
    EducationByProfileIdLoader,
    ExperiencesByProfileIdLoader,
    ProjectsByProfileIdLoader,
    SkillsByProfileIdLoader,
)
from storage.profiles import (
    Certification as CertificationRow,
)
from storage.profiles import (
    Education as EducationRow,
)
from storage.profiles import (
    Experience as ExperienceRow,
)
from storage.profiles import (
    Profile as ProfileRow,
)
from storage.profiles import (
    ProfileSkill as ProfileSkillRow,
)
from storage.profiles import (
    Project as ProjectRow,
)

MONTH = "A month, written YYYY-MM."


@strawberry.enum
class SkillLevel(Enum):
    BEGINNER = "BEGINNER"
    INTERMEDIATE = "INTERMEDIATE"
    ADVANCED = "ADVANCED"
    EXPERT = "EXPERT"


@strawberry.type
class Link:
    label: str
    url: str


@strawberry.type
class Experience:
    id: strawberry.ID
    title: str
    company: str
    location: str | None
    start_month: str = strawberry.field(description=MONTH)
    end_month: str | None = strawberry.field(description="YYYY-MM; null while it is your current role.")
    current: bool
    description: str | None
    highlights: list[str]
    skills: list[str]
    enhanced_description: str | None

    @classmethod
    def from_row(cls, row: ExperienceRow) -> Experience:
        return cls(
            id=strawberry.ID(row.id),
            title=row.title,
            company=row.company,
            location=row.location,
            start_month=format_month(row.start_month) or "",
            end_month=format_month(row.end_month),
            current=row.end_month is None,
            description=row.description,
            highlights=row.highlights,
            skills=row.skills,
            enhanced_description=row.enhanced_description,
        )


@strawberry.type
class Project:
    id: strawberry.ID
    name: str
    description: str | None
    technologies: list[str]
    url: str | None
    start_month: str | None = strawberry.field(description=MONTH)
    end_month: str | None = strawberry.field(description=MONTH)
    enhanced_description: str | None

    @classmethod
    def from_row(cls, row: ProjectRow) -> Project:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            description=row.description,
            technologies=row.technologies,
            url=row.url,
            start_month=format_month(row.start_month),
            end_month=format_month(row.end_month),
            enhanced_description=row.enhanced_description,
        )


@strawberry.type
class ProfileSkill:
    id: strawberry.ID
    name: str = strawberry.field(description="Canonical name when the skills lexicon knows it (k8s → Kubernetes).")
    category: str | None
    level: SkillLevel | None

    @classmethod
    def from_row(cls, row: ProfileSkillRow) -> ProfileSkill:
        level = SkillLevel(row.level) if row.level else None
        return cls(id=strawberry.ID(row.id), name=row.name, category=row.category, level=level)


@strawberry.type
class Education:
    id: strawberry.ID
    institution: str
    degree: str | None
    field_of_study: str | None
    start_month: str | None = strawberry.field(description=MONTH)
    end_month: str | None = strawberry.field(description=MONTH)
    gpa: float | None
    honours: str | None

    @classmethod
    def from_row(cls, row: EducationRow) -> Education:
        return cls(
            id=strawberry.ID(row.id),
            institution=row.institution,
            degree=row.degree,
            field_of_study=row.field_of_study,
            start_month=format_month(row.start_month),
            end_month=format_month(row.end_month),
            gpa=row.gpa,
            honours=row.honours,
        )


@strawberry.type
class Certification:
    id: strawberry.ID
    name: str
    issuer: str | None
    issued_month: str | None = strawberry.field(description=MONTH)
    url: str | None

    @classmethod
    def from_row(cls, row: CertificationRow) -> Certification:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            issuer=row.issuer,
            issued_month=format_month(row.issued_month),
            url=row.url,
        )


@strawberry.type(description="The master profile every tailored document is made from.")
class Profile:
    row: strawberry.Private[ProfileRow]
    id: strawberry.ID
    full_name: str | None
    headline: str | None
    email: str | None
    phone: str | None
    location: str | None
    links: list[Link]
    summary: str | None
    enhanced_summary: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ProfileRow) -> Profile:
        return cls(
            row=row,
            id=strawberry.ID(row.id),
            full_name=row.full_name,
            headline=row.headline,
            email=row.email,
            phone=row.phone,
            location=row.location,
            links=[Link(label=link["label"], url=link["url"]) for link in row.links],
            summary=row.summary,
            enhanced_summary=row.enhanced_summary,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def experiences(self, info: Info[Context, None]) -> list[Experience]:
        return [
            Experience.from_row(r) for r in await ExperiencesByProfileIdLoader.for_operation(info).load(self.row.id)
        ]

    @strawberry.field
    async def projects(self, info: Info[Context, None]) -> list[Project]:
        return [Project.from_row(r) for r in await ProjectsByProfileIdLoader.for_operation(info).load(self.row.id)]

    @strawberry.field
    async def skills(self, info: Info[Context, None]) -> list[ProfileSkill]:
        return [ProfileSkill.from_row(r) for r in await SkillsByProfileIdLoader.for_operation(info).load(self.row.id)]

    @strawberry.field
    async def education(self, info: Info[Context, None]) -> list[Education]:
        return [Education.from_row(r) for r in await EducationByProfileIdLoader.for_operation(info).load(self.row.id)]

    @strawberry.field
    async def certifications(self, info: Info[Context, None]) -> list[Certification]:
        return [
            Certification.from_row(r)
            for r in await CertificationsByProfileIdLoader.for_operation(info).load(self.row.id)
        ]

    @strawberry.field(description="Years of experience, overlapping roles counted once, a current role up to now.")
    async def total_experience_years(self, info: Info[Context, None]) -> float:
        experiences = await ExperiencesByProfileIdLoader.for_operation(info).load(self.row.id)
        return experience_years((row.start_month, row.end_month) for row in experiences)


@strawberry.input
class LinkInput:
    label: str | None = None
    url: str


@strawberry.input(description="Absent fields stay as they are; null or blank clears a field.")
class ProfileInput:
    full_name: str | None = strawberry.UNSET
    headline: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    links: list[LinkInput] | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


@strawberry.input(description="On add, title, company and startMonth are required; on update, absent fields stay.")
class ExperienceInput:
    title: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    start_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)
    end_month: str | None = strawberry.field(default=strawberry.UNSET, description="YYYY-MM; null: current role.")
    description: str | None = strawberry.UNSET
    highlights: list[str] | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET


@strawberry.input(description="On add, name is required; on update, absent fields stay.")
class ProjectInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    technologies: list[str] | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    start_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)
    end_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)


@strawberry.input(description="On add, name is required; the category defaults to the lexicon's.")
class SkillInput:
    name: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    level: SkillLevel | None = strawberry.UNSET


@strawberry.input(description="On add, institution is required; on update, absent fields stay.")
class EducationInput:
    institution: str | None = strawberry.UNSET
    degree: str | None = strawberry.UNSET
    field_of_study: str | None = strawberry.UNSET
    start_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)
    end_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)
    gpa: float | None = strawberry.UNSET
    honours: str | None = strawberry.UNSET


@strawberry.input(description="On add, name is required; on update, absent fields stay.")
class CertificationInput:
    name: str | None = strawberry.UNSET
    issuer: str | None = strawberry.UNSET
    issued_month: str | None = strawberry.field(default=strawberry.UNSET, description=MONTH)
    url: str | None = strawberry.UNSET


def given(input_object: Any) -> dict[str, Any]:
    """The fields the caller sent (UNSET ones dropped), as plain values for the domain."""
    values: dict[str, Any] = {}
    for item in fields(input_object):
        value = getattr(input_object, item.name)
        if value is strawberry.UNSET:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, list):
            value = [vars(v) if isinstance(v, LinkInput) else v for v in value]
        values[item.name] = value
    return values
