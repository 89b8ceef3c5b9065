"""Generated documents at the edge: generateResume, generateCoverLetter, the history, one generation,
delete; the download route lives in `graph/exports.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from domain.ats import LETTER_WEIGHTS, RESUME_WEIGHTS
from domain.budgets import Operation
from domain.generations.results import ContentUsed as ContentUsedValue
from domain.generations.results import LetterOptions, ResumeOptions, generation_results
from domain.pagination import window
from graph.context import Context
from graph.exports import generation_path
from graph.jobs import Job
from graph.loaders import JobsByIdLoader
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from graph.shared_types import DocumentType, LLMMetadata
from storage.generations import Generation as GenerationRow

AUTH = [IsAuthenticated]
EXPORT_FORMATS = ("txt", "md", "docx", "pdf")


@strawberry.enum
class DocumentFormat(Enum):
    TEXT = "TEXT"
    MARKDOWN = "MARKDOWN"


@strawberry.type(description="One part of the ATS score, 0..100, and its weight in the total.")
class AtsPart:
    name: str
    score: float
    weight: float


@strawberry.type
class AtsFeedback:
    parts: list[AtsPart]
    matched_keywords: list[str]
    missing_keywords: list[str] = strawberry.field(description="The job's skills not shown, most important first.")
    notes: list[str] = strawberry.field(description="What to act on, most useful first.")


@strawberry.type(description="What went into the document.")
class ContentUsed:
    experience_ids: list[strawberry.ID]
    project_ids: list[strawberry.ID]
    experiences_count: int
    projects_count: int
    skills_count: int | None
    education_count: int | None
    certifications_count: int | None
    summary_included: bool
    summary_enhanced: bool
    enhanced_items: int = strawberry.field(description="Items whose enhanced text was used.")
    skills_highlighted: list[str]
    writing_style_applied: bool
    sample_id: strawberry.ID | None

    @classmethod
    def from_value(cls, used: ContentUsedValue) -> ContentUsed:
        return cls(
            experience_ids=[strawberry.ID(i) for i in used.experience_ids],
            project_ids=[strawberry.ID(i) for i in used.project_ids],
            experiences_count=used.experiences_count,
            projects_count=used.projects_count,
            skills_count=used.skills_count,
            education_count=used.education_count,
            certifications_count=used.certifications_count,
            summary_included=used.summary_included,
            summary_enhanced=used.summary_enhanced,
            enhanced_items=used.enhanced_items,
            skills_highlighted=list(used.skills_highlighted),
            writing_style_applied=used.writing_style_applied,
            sample_id=strawberry.ID(used.sample_id) if used.sample_id else None,
        )


@strawberry.type(description="The options the document was generated with.")
class GenerationOptions:
    max_experiences: int | None = None
    max_projects: int | None = None
    include_summary: bool | None = None
    company_name: str | None = None
    hiring_manager_name: str | None = None
    max_paragraphs: int | None = None
    custom_prompt: str | None = None
    format: DocumentFormat = DocumentFormat.TEXT

    @classmethod
    def from_value(cls, options: ResumeOptions | LetterOptions) -> GenerationOptions:
        if isinstance(options, ResumeOptions):
            return cls(
                max_experiences=options.max_experiences,
                max_projects=options.max_projects,
                include_summary=options.include_summary,
                custom_prompt=options.custom_prompt,
                format=DocumentFormat(options.format),
            )
        return cls(
            company_name=options.company_name,
            hiring_manager_name=options.hiring_manager_name,
            max_paragraphs=options.max_paragraphs,
            custom_prompt=options.custom_prompt,
        )


@strawberry.type(description="Paths to download the document (GET with your bearer token; see `signedDownloads`).")
class Downloads:
    txt: str
    md: str
    docx: str
    pdf: str


@strawberry.type(
    description="Links that download the document with no header (an `<a href>` works): each opens its one "
    "file, for you only, as often as needed until `expiresAt` (TAILOR_DOWNLOAD_LINK_SECONDS, 5 minutes by "
    "default); ask again for fresh ones. Relative to this server."
)
class SignedDownloads:
    txt: str
    md: str
    docx: str
    pdf: str
    expires_at: datetime


def _parts(document_type: str, breakdown: dict[str, float]) -> list[AtsPart]:
    weights = RESUME_WEIGHTS if document_type == "RESUME" else LETTER_WEIGHTS
    return [
        AtsPart(name=to_camel_case(name), score=score, weight=weights.get(name, 0.0))
        for name, score in breakdown.items()
    ]


@strawberry.type
class Generation:
    id: strawberry.ID
    document_type: DocumentType
    status: str
    job_id: strawberry.ID | None = strawberry.field(description="Null once the job has been deleted.")
    ranking_id: strawberry.ID | None
    text: str = strawberry.field(description="The document as plain text.")
    markdown: str
    ats_score: float = strawberry.field(description="0..100")
    ats_feedback: AtsFeedback
    content_used: ContentUsed
    options: GenerationOptions
    llm_metadata: LLMMetadata = strawberry.field(description="Provider `none` for resumes: compiled, no model.")
    warnings: list[str]
    downloads: Downloads
    created_at: datetime

    @strawberry.field(description="The downloads as signed links that need no Authorization header.")
    async def signed_downloads(self, info: Info[Context, None]) -> SignedDownloads:
        user = await info.context.require_user()  # only the owner is ever shown a generation
        services = info.context.services
        lifetime = timedelta(seconds=services.settings.download_link_seconds)
        now = datetime.now(UTC)  # one moment, so the four links expire together
        links: dict[str, str] = {}
        for extension in EXPORT_FORMATS:
            path = generation_path(str(self.id), extension)
            issued = services.accounts.download_token(user, path, lifetime, now=now)
            links[extension] = f"{path}?token={issued.token}"
        return SignedDownloads(**links, expires_at=issued.expires_at)

    @strawberry.field(description="In the format asked for at generation time, or the one named here.")
    def content(self, format: DocumentFormat | None = None) -> str:
        chosen = format or self.options.format
        return self.markdown if chosen is DocumentFormat.MARKDOWN else self.text

    saved_title: strawberry.Private[str | None]
    saved_company: strawberry.Private[str | None]

    @strawberry.field(description="The job it was made for (null once deleted or no longer visible to you).")
    async def job(self, info: Info[Context, None]) -> Job | None:
        user = await info.context.require_user()
        row = await _job(info, self.job_id)
        return Job.from_row(row, user.id) if row is not None else None

    @strawberry.field(description="The job's title now, or as it was when the document was made.")
    async def job_title(self, info: Info[Context, None]) -> str | None:
        row = await _job(info, self.job_id)
        return row.title if row is not None else self.saved_title

    @strawberry.field(description="The company the document addresses (for letters, `companyName` when given).")
    async def company(self, info: Info[Context, None]) -> str | None:
        if self.document_type is DocumentType.COVER_LETTER and self.options.company_name:
            return self.saved_company
        row = await _job(info, self.job_id)
        return row.company if row is not None else self.saved_company

    @classmethod
    def from_row(cls, row: GenerationRow) -> Generation:
        results = generation_results(row)
        feedback = results.ats_feedback
        return cls(
            id=strawberry.ID(row.id),
            document_type=DocumentType(row.document_type),
            status=row.status,
            job_id=strawberry.ID(row.job_id) if row.job_id else None,
            saved_title=row.job_title,
            saved_company=row.company,
            ranking_id=strawberry.ID(row.ranking_id) if row.ranking_id else None,
            text=row.content_text,
            markdown=row.content_markdown,
            ats_score=row.ats_score,
            ats_feedback=AtsFeedback(
                parts=_parts(row.document_type, feedback.breakdown),
                matched_keywords=list(feedback.matched_keywords),
                missing_keywords=list(feedback.missing_keywords),
                notes=list(feedback.notes),
            ),
            content_used=ContentUsed.from_value(results.content_used),
            options=GenerationOptions.from_value(results.options),
            llm_metadata=LLMMetadata.from_value(results.llm_metadata),
            warnings=row.warnings,
            downloads=Downloads(**{ext: generation_path(row.id, ext) for ext in EXPORT_FORMATS}),
            created_at=row.created_at,
        )


async def _job(info: Info[Context, None], job_id: strawberry.ID | None) -> Any:
    return await JobsByIdLoader.for_operation(info).load(str(job_id)) if job_id is not None else None


@strawberry.input
class GenerateResumeInput:
    job_id: strawberry.ID
    max_experiences: int = strawberry.field(default=5, description="1..10")
    max_projects: int = strawberry.field(default=3, description="0..5")
    include_summary: bool = True
    custom_prompt: str | None = strawberry.field(
        default=None, description="At most 500 characters; items and skills it names come forward."
    )
    format: DocumentFormat = DocumentFormat.TEXT


@strawberry.input
class GenerateCoverLetterInput:
    job_id: strawberry.ID
    company_name: str | None = strawberry.field(default=None, description="Defaults to the job's company.")
    hiring_manager_name: str | None = strawberry.field(default=None, description="Greets them by name.")
    max_paragraphs: int = strawberry.field(default=4, description="3..6, between greeting and sign-off.")
    custom_prompt: str | None = strawberry.field(default=None, description="At most 500 characters.")


@strawberry.type
class GenerationQuery:
    @strawberry.field(permission_classes=AUTH, description="Your generated documents, newest first.")
    async def generations(
        self,
        info: Info[Context, None],
        document_type: DocumentType | None = None,
        job_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Generation]:
        user = await info.context.require_user()
        page = await info.context.services.generations.page(
            user,
            window(first, after, last, before),
            document_type=document_type.value if document_type else None,
            job_id=str(job_id) if job_id is not None else None,
        )
        return connection_of(page, Generation.from_row)

    @strawberry.field(permission_classes=AUTH, description="One of your generated documents, with its full text.")
    async def generation(self, info: Info[Context, None], id: strawberry.ID) -> Generation:
        user = await info.context.require_user()
        return Generation.from_row(await info.context.services.generations.get(user, str(id)))


@strawberry.type
class GenerationMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Compile a resume tailored to a job from your ranked profile (ranked first if needed). "
        "No model writes it: every line is your own text, enhanced text where you have some.",
    )
    async def generate_resume(self, info: Info[Context, None], input: GenerateResumeInput) -> Generation:
        user = await info.context.require_user()
        options = ResumeOptions(
            max_experiences=input.max_experiences,
            max_projects=input.max_projects,
            include_summary=input.include_summary,
            custom_prompt=input.custom_prompt,
            format=input.format.value,
        )
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.GENERATION):  # RATE_LIMITED past the budget
            row = await services.generations.generate_resume(user, str(input.job_id), options)
        return Generation.from_row(row)

    @strawberry.mutation(
        permission_classes=AUTH,
        description="Write a cover letter for a job from your top ranked items, in the style of your active "
        "cover-letter sample. Claims not backed by your profile or the job are removed and listed in warnings.",
    )
    async def generate_cover_letter(self, info: Info[Context, None], input: GenerateCoverLetterInput) -> Generation:
        user = await info.context.require_user()
        options = LetterOptions(
            company_name=input.company_name,
            hiring_manager_name=input.hiring_manager_name,
            max_paragraphs=input.max_paragraphs,
            custom_prompt=input.custom_prompt,
        )
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.GENERATION, Operation.LLM) as spend:
            row = await services.generations.generate_cover_letter(user, str(input.job_id), options)
            generation = Generation.from_row(row)
            await spend.tokens(generation.llm_metadata.total_tokens)
        return generation

    @strawberry.mutation(permission_classes=AUTH, description="Delete one of your generated documents.")
    async def delete_generation(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        user = await info.context.require_user()
        return strawberry.ID(await info.context.services.generations.delete(user, str(id)))
