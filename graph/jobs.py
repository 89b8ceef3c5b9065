"""Jobs at the edge: types, `job`/`jobs` queries and `createJob`/`updateJob`/`deleteJob`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from domain.jobs import JobInput
from domain.pagination import window
from graph.context import Context
from graph.errors import api_message
from graph.http.uploads import read_upload
from graph.loaders import AnalysisCountsByJobIdLoader
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from storage.jobs import Job as JobRow


@strawberry.enum
class JobLevel(Enum):
    ENTRY = "ENTRY"
    MID = "MID"
    SENIOR = "SENIOR"
    LEAD = "LEAD"


@strawberry.enum(description="PRIVATE: the owner's saved posting. PUBLIC: the shared board, written by admins.")
class JobVisibility(Enum):
    PRIVATE = "PRIVATE"
    PUBLIC = "PUBLIC"


@strawberry.type
class Keyword:
    term: str
    weight: float = strawberry.field(description="0..1: how much the posting asks for it.")


@strawberry.type
class Job:
    id: strawberry.ID
    visibility: JobVisibility
    title: str | None
    company: str | None
    location: str | None
    url: str | None
    level: JobLevel | None
    years_required: int | None
    requirements: list[str]
    nice_to_haves: list[str]
    responsibilities: list[str]
    skills: list[str] = strawberry.field(description="Canonical names from the skills lexicon.")
    keywords: list[Keyword]
    raw_text: str
    is_mine: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="How many times you have matched a resume against this job.")
    async def analysis_count(self, info: Info[Context, None]) -> int:
        return await AnalysisCountsByJobIdLoader.for_operation(info).load(str(self.id))

    @classmethod
    def from_row(cls, row: JobRow, viewer_id: str) -> Job:
        return cls(
            id=strawberry.ID(row.id),
            visibility=JobVisibility(row.visibility),
            title=row.title,
            company=row.company,
            location=row.location,
            url=row.url,
            level=JobLevel(row.level) if row.level else None,
            years_required=row.years_required,
            requirements=row.requirements,
            nice_to_haves=row.nice_to_haves,
            responsibilities=row.responsibilities,
            skills=row.skills,
            keywords=[Keyword(term=k["term"], weight=k["weight"]) for k in row.keywords],
            raw_text=row.raw_text,
            is_mine=row.user_id == viewer_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input
class CreateJobInput:
    raw_text: str = strawberry.field(description="The posting as text; parsed into the job's fields.")
    title: str | None = strawberry.field(default=None, description="Wins over the parsed title.")
    company: str | None = None
    location: str | None = None
    url: str | None = None
    visibility: JobVisibility = JobVisibility.PRIVATE


@strawberry.input(description="Absent fields stay; null or blank title/company/location/url clears the value you set.")
class UpdateJobInput:
    id: strawberry.ID
    raw_text: str | None = strawberry.field(default=strawberry.UNSET, description="New text; parsed again.")
    title: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    visibility: JobVisibility | None = strawberry.UNSET


CLEARABLE = ("title", "company", "location", "url")


def job_input(given: CreateJobInput | UpdateJobInput) -> JobInput:
    def value(name: str) -> Any:
        found = getattr(given, name)
        return None if found is strawberry.UNSET else found

    visibility = value("visibility")
    cleared = {name for name in CLEARABLE if getattr(given, name) is None or getattr(given, name) == ""}
    return JobInput(
        raw_text=value("raw_text"),
        title=value("title"),
        company=value("company"),
        location=value("location"),
        url=value("url"),
        visibility=visibility.value if visibility else None,
        clear=frozenset(cleared) if isinstance(given, UpdateJobInput) else frozenset(),
    )


@strawberry.type
class JobQuery:
    @strawberry.field(permission_classes=[IsAuthenticated], description="One of your jobs, or a public one.")
    async def job(self, info: Info[Context, None], id: strawberry.ID) -> Job:
        user = await info.context.require_user()
        return Job.from_row(await info.context.services.jobs.get(user, str(id)), user.id)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your jobs and the public board, newest first. `search` matches title and company.",
    )
    async def jobs(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
        visibility: JobVisibility | None = None,
    ) -> Connection[Job]:
        user = await info.context.require_user()
        page = await info.context.services.jobs.page(
            user,
            window(first, after, last, before),
            search=search,
            visibility=visibility.value if visibility else None,
        )
        return connection_of(page, lambda row: Job.from_row(row, user.id))


@strawberry.type
class ImportLineError:
    line: int
    code: str
    message: str


@strawberry.type
class ImportJobsResult:
    imported: int
    jobs: list[Job]
    errors: list[ImportLineError] = strawberry.field(description="Lines that were skipped, and why.")


@strawberry.type
class JobMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="ADMIN: load PUBLIC postings from a JSON Lines file, one "
        '`{"rawText": ..., "title"?, "company"?, "location"?, "url"?}` per line. Bad lines are reported, '
        "good ones saved. Send with the header `Apollo-Require-Preflight: true`.",
    )
    async def import_jobs(self, info: Info[Context, None], file: Upload) -> ImportJobsResult:
        user = await info.context.require_user()
        content = await read_upload(file, info.context.services.settings.max_upload_bytes)
        result = await info.context.services.jobs.import_public(user, content)
        return ImportJobsResult(
            imported=len(result.jobs),
            jobs=[Job.from_row(row, user.id) for row in result.jobs],
            errors=[
                ImportLineError(line=e.line, code=e.error.code, message=api_message(e.error)) for e in result.errors
            ],
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated], description="Save a posting, parsed from its text.")
    async def create_job(self, info: Info[Context, None], input: CreateJobInput) -> Job:
        user = await info.context.require_user()
        return Job.from_row(await info.context.services.jobs.create(user, job_input(input)), user.id)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def update_job(self, info: Info[Context, None], input: UpdateJobInput) -> Job:
        user = await info.context.require_user()
        return Job.from_row(await info.context.services.jobs.update(user, str(input.id), job_input(input)), user.id)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete a job, with its rankings, analyses, improvements and improvement runs; it leaves the "
        "search index. Generations and feedback about it are kept, their `jobId` becoming null (a generation keeps "
        "the job's title and company). Returns the id.",
    )
    async def delete_job(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        user = await info.context.require_user()
        return strawberry.ID(await info.context.services.jobs.delete(user, str(id)))
