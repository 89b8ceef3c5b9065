"""Resumes at the edge: upload (multipart), a connection of them, one with its text and parsed
structure, and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from domain.documents.resume_parsing import ParsedResume as ParsedValue
from domain.documents.resume_parsing import ResumeCertification, ResumeEducation, ResumeExperience, ResumeProject
from domain.pagination import window
from domain.quotas import UploadKind
from domain.resumes import parsed_resume
from graph.context import Context
from graph.http.uploads import read_upload
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from storage.resumes import Resume as ResumeRow

AUTH = [IsAuthenticated]


@strawberry.type(description="A role the resume lists.")
class ParsedExperience:
    title: str
    company: str | None
    location: str | None
    start: str | None = strawberry.field(description="YYYY-MM")
    end: str | None = strawberry.field(description="YYYY-MM; null while current.")
    current: bool
    bullets: list[str]

    @classmethod
    def from_value(cls, value: ResumeExperience) -> ParsedExperience:
        return cls(
            title=value.title,
            company=value.company,
            location=value.location,
            start=value.start,
            end=value.end,
            current=value.current,
            bullets=value.bullets,
        )


@strawberry.type
class ParsedProject:
    name: str
    description: str | None
    technologies: list[str]

    @classmethod
    def from_value(cls, value: ResumeProject) -> ParsedProject:
        return cls(name=value.name, description=value.description, technologies=value.technologies)


@strawberry.type
class ParsedEducation:
    institution: str | None
    degree: str | None
    field_of_study: str | None
    end: str | None = strawberry.field(description="YYYY-MM")

    @classmethod
    def from_value(cls, value: ResumeEducation) -> ParsedEducation:
        return cls(
            institution=value.institution, degree=value.degree, field_of_study=value.field_of_study, end=value.end
        )


@strawberry.type
class ParsedCertification:
    name: str
    year: int | None

    @classmethod
    def from_value(cls, value: ResumeCertification) -> ParsedCertification:
        return cls(name=value.name, year=value.year)


@strawberry.type(description="What Tailor read from a resume's text: contact, summary and sections.")
class ParsedResume:
    name: str | None
    email: str | None
    phone: str | None
    location: str | None
    links: list[str]
    summary: str | None
    experiences: list[ParsedExperience]
    projects: list[ParsedProject]
    skills: list[str]
    education: list[ParsedEducation]
    certifications: list[ParsedCertification]

    @classmethod
    def from_value(cls, value: ParsedValue) -> ParsedResume:
        return cls(
            name=value.name,
            email=value.email,
            phone=value.phone,
            location=value.location,
            links=value.links,
            summary=value.summary,
            experiences=[ParsedExperience.from_value(e) for e in value.experiences],
            projects=[ParsedProject.from_value(p) for p in value.projects],
            skills=value.skills,
            education=[ParsedEducation.from_value(e) for e in value.education],
            certifications=[ParsedCertification.from_value(c) for c in value.certifications],
        )


@strawberry.type
class Resume:
    id: strawberry.ID
    filename: str
    media_type: str
    file_size: int
    candidate_name: str | None
    uploaded_at: datetime
    text: str
    _row: strawberry.Private[ResumeRow]

    @strawberry.field(description="What Tailor read from the text when the resume was uploaded.")
    def parsed(self) -> ParsedResume:
        return ParsedResume.from_value(parsed_resume(self._row))

    @classmethod
    def from_row(cls, row: ResumeRow) -> Resume:
        return cls(
            id=strawberry.ID(row.id),
            filename=row.filename,
            media_type=row.media_type,
            file_size=row.file_size,
            candidate_name=row.candidate_name,
            uploaded_at=row.created_at,
            text=row.text,
            _row=row,
        )


@strawberry.type
class UploadResumePayload:
    resume: Resume
    deduplicated: bool = strawberry.field(description="True when you had uploaded this very file before.")


@strawberry.type
class ResumeQuery:
    @strawberry.field(permission_classes=AUTH, description="Your resumes, newest first.")
    async def resumes(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Resume]:
        user = await info.context.require_user()
        page = await info.context.services.resumes.page(user, window(first, after, last, before))
        return connection_of(page, Resume.from_row)

    @strawberry.field(permission_classes=AUTH)
    async def resume(self, info: Info[Context, None], id: strawberry.ID) -> Resume:
        user = await info.context.require_user()
        return Resume.from_row(await info.context.services.resumes.get(user, str(id)))


@strawberry.type
class ResumeMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Upload a PDF, DOCX or TXT resume (multipart, with `Apollo-Require-Preflight: true`). "
        "The same file again returns the resume you have, with `deduplicated: true` (even at your quota). "
        "Past your storage quota (`storageStats.quota`): QUOTA_EXCEEDED, and nothing is stored.",
    )
    async def upload_resume(self, info: Info[Context, None], file: Upload) -> UploadResumePayload:
        user = await info.context.require_user()
        services = info.context.services
        content = await read_upload(file, services.settings.max_upload_bytes)
        name: Any = getattr(file, "filename", None)
        async with services.quotas.reserve(user, content, UploadKind.RESUME):  # QUOTA_EXCEEDED: nothing stored
            uploaded = await services.resumes.upload(user, name, content)
        return UploadResumePayload(resume=Resume.from_row(uploaded.resume), deduplicated=uploaded.deduplicated)

    @strawberry.mutation(permission_classes=AUTH, description="Delete a resume (and its file, unless still in use).")
    async def delete_resume(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        user = await info.context.require_user()
        return strawberry.ID(await info.context.services.resumes.delete(user, str(id)))
