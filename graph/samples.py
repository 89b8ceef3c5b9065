"""Writing samples at the edge: upload (multipart), list, read with full text and style, refresh, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from domain.budgets import Operation
from domain.pagination import window
from domain.quotas import UploadKind
from graph.context import Context
from graph.http.uploads import read_upload
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from graph.shared_types import DocumentType
from storage.samples import Sample as SampleRow

AUTH = [IsAuthenticated]


@strawberry.type(description="Measured stylometrics of a sample, and the tone derived from them.")
class WritingStyle:
    sentence_length_mean: float
    sentence_length_stdev: float
    average_word_length: float
    rare_word_rate: float
    vocabulary_level: str
    formality: float = strawberry.field(description="0 casual .. 1 formal")
    first_person_rate: float
    contraction_rate: float
    exclamation_rate: float
    characteristic_phrases: list[str]
    tone: str
    word_count: int
    provider: str
    model: str

    @classmethod
    def from_value(cls, style: dict[str, Any], metadata: dict[str, Any] | None) -> WritingStyle:
        meta = metadata or {}
        return cls(**style, provider=meta.get("provider", ""), model=meta.get("model", ""))


@strawberry.type(description="A sample as listed: everything but its text.")
class SampleSummary:
    id: strawberry.ID
    document_type: DocumentType
    filename: str
    media_type: str
    word_count: int
    character_count: int
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: SampleRow) -> SampleSummary:
        return cls(
            id=strawberry.ID(row.id),
            document_type=DocumentType(row.document_type),
            filename=row.filename,
            media_type=row.media_type,
            word_count=row.word_count,
            character_count=row.character_count,
            is_active=row.is_active,
            created_at=row.created_at,
        )


@strawberry.type
class Sample(SampleSummary):
    full_text: str
    writing_style: WritingStyle | None
    warnings: list[str]

    @classmethod
    def from_row(cls, row: SampleRow) -> Sample:
        summary = SampleSummary.from_row(row)
        style = WritingStyle.from_value(row.writing_style, row.style_metadata) if row.writing_style else None
        return cls(**vars(summary), full_text=row.full_text, writing_style=style, warnings=row.warnings)


@strawberry.type
class SampleQuery:
    @strawberry.field(permission_classes=AUTH, description="Your samples, newest first, without their text.")
    async def samples(
        self,
        info: Info[Context, None],
        document_type: DocumentType | None = None,
        is_active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SampleSummary]:
        user = await info.context.require_user()
        page = await info.context.services.samples.page(
            user,
            window(first, after, last, before),
            document_type=document_type.value if document_type else None,
            is_active=is_active,
        )
        return connection_of(page, SampleSummary.from_row)

    @strawberry.field(permission_classes=AUTH)
    async def sample(self, info: Info[Context, None], id: strawberry.ID) -> Sample:
        user = await info.context.require_user()
        return Sample.from_row(await info.context.services.samples.get(user, str(id)))


@strawberry.type
class SampleMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Upload a TXT, PDF or DOCX sample (multipart, with `Apollo-Require-Preflight: true`). "
        "It becomes the active sample of its type; its writing style is measured on the way in. Past your "
        "storage quota (`storageStats.quota`): QUOTA_EXCEEDED, and nothing is stored.",
    )
    async def upload_sample(self, info: Info[Context, None], document_type: DocumentType, file: Upload) -> Sample:
        user = await info.context.require_user()
        services = info.context.services
        content = await read_upload(file, services.settings.max_sample_bytes)
        name = getattr(file, "filename", None)
        async with (
            services.quotas.reserve(user, content, UploadKind.SAMPLE),  # QUOTA_EXCEEDED: nothing stored
            services.budgets.spend(user.id, Operation.LLM) as spend,  # the style is asked of the model
        ):
            row = await services.samples.upload(user, document_type.value, name, content)
            await spend.tokens((row.style_metadata or {}).get("total_tokens", 0))
        return Sample.from_row(row)

    @strawberry.mutation(permission_classes=AUTH, description="Measure the sample's writing style again.")
    async def refresh_writing_style(self, info: Info[Context, None], sample_id: strawberry.ID) -> Sample:
        user = await info.context.require_user()
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.LLM) as spend:
            row = await services.samples.refresh_style(user, str(sample_id))
            await spend.tokens((row.style_metadata or {}).get("total_tokens", 0))
        return Sample.from_row(row)

    @strawberry.mutation(
        permission_classes=AUTH, description="Delete a sample; if it was active, the newest other one of its type is."
    )
    async def delete_sample(self, info: Info[Context, None], id: strawberry.ID) -> strawberry.ID:
        user = await info.context.require_user()
        return strawberry.ID(await info.context.services.samples.delete(user, str(id)))
