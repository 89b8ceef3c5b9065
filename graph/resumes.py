"""Resumes at the edge: upload (multipart), a connection of them, one with its text and parsed
structure, and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.pagination import window
from domain.quotas import UploadKind
from graph.context import Context
from graph.http.uploads import read_upload
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from storage.resumes import Resume as ResumeRow

AUTH = [IsAuthenticated]


@strawberry.type
class Resume:
    id: strawberry.ID
    filename: str
    media_type: str
    file_size: int
    candidate_name: str | None
    uploaded_at: datetime
    text: str
    parsed: JSON = strawberry.field(
        description="contact (name, email, phone, location, links), summary, experiences (title, company, "
        "location, start, end, current, bullets), projects, skills, education, certifications."
    )

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
            parsed=row.parsed,
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
