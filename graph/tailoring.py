"""Tailoring at the edge: `enhanceProfile` (ranking and generation join as they land)."""

from __future__ import annotations

from dataclasses import asdict

import strawberry
from strawberry.types import Info

from domain.ai.llm import LLMMetadata as LLMMetadataValue
from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.samples import WritingStyle


@strawberry.type(description="Which model answered, what it cost, and how long it took.")
class LLMMetadata:
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    latency_ms: float

    @classmethod
    def of(cls, value: LLMMetadataValue) -> LLMMetadata:
        return cls(**asdict(value))


@strawberry.input
class EnhanceProfileInput:
    custom_prompt: str | None = strawberry.field(default=None, description="At most 500 characters.")


@strawberry.type
class EnhanceProfilePayload:
    sections_requested: int
    sections_enhanced: int
    success_rate: float
    writing_style_used: WritingStyle
    sample_id: strawberry.ID
    llm_metadata: LLMMetadata
    warnings: list[str] = strawberry.field(description="Enhancements refused by the truthfulness check.")


@strawberry.type
class TailoringMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Enhance your summary, experiences and projects in the style of your active cover-letter "
        "sample. Results go to the `enhanced…` fields; your own text is never overwritten.",
    )
    async def enhance_profile(
        self, info: Info[Context, None], input: EnhanceProfileInput | None = None
    ) -> EnhanceProfilePayload:
        user = await info.context.require_user()
        outcome = await info.context.services.tailoring.enhance_profile(user, input.custom_prompt if input else None)
        return EnhanceProfilePayload(
            sections_requested=outcome.sections_requested,
            sections_enhanced=outcome.sections_enhanced,
            success_rate=outcome.success_rate,
            writing_style_used=WritingStyle.of(outcome.writing_style.as_dict(), asdict(outcome.metadata)),
            sample_id=strawberry.ID(outcome.sample_id),
            llm_metadata=LLMMetadata.of(outcome.metadata),
            warnings=outcome.warnings,
        )
