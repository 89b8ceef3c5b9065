"""The master profile at the edge: `profile`, `updateProfile`, and add/update/delete/reorder for each
section. Resolvers translate and call `domain/profiles.py`; every rule lives there."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from domain.profile_import import Skipped
from domain.resumes import parsed_resume
from graph.context import Context
from graph.errors import api_field, api_message
from graph.permissions import IsAuthenticated
from graph.profile_types import (
    Certification,
    CertificationInput,
    Education,
    EducationInput,
    Experience,
    ExperienceInput,
    Profile,
    ProfileInput,
    ProfileSkill,
    Project,
    ProjectInput,
    SkillInput,
    given,
)

AUTH = [IsAuthenticated]


def skipped_text(skipped: Skipped) -> str:
    """`experiences: 'Engineer': endMonth cannot be before startMonth`, `profile fullName: ...`."""
    if skipped.field is not None:
        return f"{skipped.section} {api_field(skipped.field)}: {api_message(skipped.error)}"
    return f"{skipped.section}: {skipped.item}: {api_message(skipped.error)}"


Ctx = Info[Context, None]


async def _add(info: Ctx, section: str, data: Any) -> Any:
    user = await info.context.require_user()
    return await info.context.services.profiles.add_item(user, section, given(data))


async def _update(info: Ctx, section: str, item_id: strawberry.ID, data: Any) -> Any:
    user = await info.context.require_user()
    return await info.context.services.profiles.update_item(user, section, str(item_id), given(data))


async def _delete(info: Ctx, section: str, item_id: strawberry.ID) -> strawberry.ID:
    user = await info.context.require_user()
    return strawberry.ID(await info.context.services.profiles.delete_item(user, section, str(item_id)))


async def _reorder(info: Ctx, section: str, ids: list[strawberry.ID]) -> list[Any]:
    user = await info.context.require_user()
    return await info.context.services.profiles.reorder(user, section, [str(i) for i in ids])


@strawberry.type
class ProfileQuery:
    @strawberry.field(permission_classes=AUTH, description="Your master profile; null until your first edit.")
    async def profile(self, info: Ctx) -> Profile | None:
        user = await info.context.require_user()
        row = await info.context.services.profiles.profile(user)
        return Profile.from_row(row) if row else None


@strawberry.enum
class ImportMode(Enum):
    MERGE = "MERGE"
    REPLACE = "REPLACE"


@strawberry.type
class ImportProfileResult:
    profile: Profile
    added: int = strawberry.field(description="Items added to the profile's sections.")
    skipped: list[str] = strawberry.field(description="Items the profile's rules refused, and why.")


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Fill your profile from a parsed resume. MERGE adds what is missing without duplicates "
        "and fills empty fields; REPLACE empties the sections first and takes the resume's fields.",
    )
    async def import_profile_from_resume(
        self, info: Ctx, resume_id: strawberry.ID, mode: ImportMode = ImportMode.MERGE
    ) -> ImportProfileResult:
        user = await info.context.require_user()
        services = info.context.services
        resume = await services.resumes.get(user, str(resume_id))
        parsed = parsed_resume(resume)
        result = await services.profiles.import_resume(user, parsed, replace=mode is ImportMode.REPLACE)
        return ImportProfileResult(
            profile=Profile.from_row(result.profile),
            added=result.added,
            skipped=[skipped_text(skipped) for skipped in result.skipped],
        )

    @strawberry.mutation(permission_classes=AUTH, description="Set the profile's own fields (creates it if need be).")
    async def update_profile(self, info: Ctx, input: ProfileInput) -> Profile:
        user = await info.context.require_user()
        return Profile.from_row(await info.context.services.profiles.update_profile(user, given(input)))

    @strawberry.mutation(permission_classes=AUTH)
    async def add_experience(self, info: Ctx, input: ExperienceInput) -> Experience:
        return Experience.from_row(await _add(info, "experiences", input))

    @strawberry.mutation(permission_classes=AUTH)
    async def update_experience(self, info: Ctx, id: strawberry.ID, input: ExperienceInput) -> Experience:
        return Experience.from_row(await _update(info, "experiences", id, input))

    @strawberry.mutation(permission_classes=AUTH)
    async def delete_experience(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return await _delete(info, "experiences", id)

    @strawberry.mutation(permission_classes=AUTH, description="Give every experience id once, in the new order.")
    async def reorder_experiences(self, info: Ctx, ids: list[strawberry.ID]) -> list[Experience]:
        return [Experience.from_row(row) for row in await _reorder(info, "experiences", ids)]

    @strawberry.mutation(permission_classes=AUTH)
    async def add_project(self, info: Ctx, input: ProjectInput) -> Project:
        return Project.from_row(await _add(info, "projects", input))

    @strawberry.mutation(permission_classes=AUTH)
    async def update_project(self, info: Ctx, id: strawberry.ID, input: ProjectInput) -> Project:
        return Project.from_row(await _update(info, "projects", id, input))

    @strawberry.mutation(permission_classes=AUTH)
    async def delete_project(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return await _delete(info, "projects", id)

    @strawberry.mutation(permission_classes=AUTH)
    async def reorder_projects(self, info: Ctx, ids: list[strawberry.ID]) -> list[Project]:
        return [Project.from_row(row) for row in await _reorder(info, "projects", ids)]

    @strawberry.mutation(permission_classes=AUTH)
    async def add_skill(self, info: Ctx, input: SkillInput) -> ProfileSkill:
        return ProfileSkill.from_row(await _add(info, "skills", input))

    @strawberry.mutation(permission_classes=AUTH)
    async def update_skill(self, info: Ctx, id: strawberry.ID, input: SkillInput) -> ProfileSkill:
        return ProfileSkill.from_row(await _update(info, "skills", id, input))

    @strawberry.mutation(permission_classes=AUTH)
    async def delete_skill(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return await _delete(info, "skills", id)

    @strawberry.mutation(permission_classes=AUTH)
    async def reorder_skills(self, info: Ctx, ids: list[strawberry.ID]) -> list[ProfileSkill]:
        return [ProfileSkill.from_row(row) for row in await _reorder(info, "skills", ids)]

    @strawberry.mutation(permission_classes=AUTH)
    async def add_education(self, info: Ctx, input: EducationInput) -> Education:
        return Education.from_row(await _add(info, "education", input))

    @strawberry.mutation(permission_classes=AUTH)
    async def update_education(self, info: Ctx, id: strawberry.ID, input: EducationInput) -> Education:
        return Education.from_row(await _update(info, "education", id, input))

    @strawberry.mutation(permission_classes=AUTH)
    async def delete_education(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return await _delete(info, "education", id)

    @strawberry.mutation(permission_classes=AUTH)
    async def reorder_education(self, info: Ctx, ids: list[strawberry.ID]) -> list[Education]:
        return [Education.from_row(row) for row in await _reorder(info, "education", ids)]

    @strawberry.mutation(permission_classes=AUTH)
    async def add_certification(self, info: Ctx, input: CertificationInput) -> Certification:
        return Certification.from_row(await _add(info, "certifications", input))

    @strawberry.mutation(permission_classes=AUTH)
    async def update_certification(self, info: Ctx, id: strawberry.ID, input: CertificationInput) -> Certification:
        return Certification.from_row(await _update(info, "certifications", id, input))

    @strawberry.mutation(permission_classes=AUTH)
    async def delete_certification(self, info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return await _delete(info, "certifications", id)

    @strawberry.mutation(permission_classes=AUTH)
    async def reorder_certifications(self, info: Ctx, ids: list[strawberry.ID]) -> list[Certification]:
        return [Certification.from_row(row) for row in await _reorder(info, "certifications", ids)]
