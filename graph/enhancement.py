"""Enhancement at the edge: `enhanceProfile`, the profile rewritten in the style of a writing sample."""

from __future__ import annotations

from dataclasses import asdict

import strawberry
from strawberry.types import Info

from domain.budgets import Operation
from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.samples import WritingStyle
from graph.shared_types import LLMMetadata


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
class EnhancementMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Enhance your summary, experiences and projects in the style of your active cover-letter "
        "sample. Results go to the `enhanced…` fields; your own text is never overwritten.",
    )
    async def enhance_profile(
        self, info: Info[Context, None], input: EnhanceProfileInput | None = None
    ) -> EnhanceProfilePayload:
        user = await info.context.require_user()
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.LLM) as spend:  # RATE_LIMITED past the budget
            outcome = await services.enhancement.enhance_profile(user, input.custom_prompt if input else None)
            await spend.tokens(outcome.metadata.total_tokens)
        return EnhanceProfilePayload(
            sections_requested=outcome.sections_requested,
            sections_enhanced=outcome.sections_enhanced,
            success_rate=outcome.success_rate,
            writing_style_used=WritingStyle.from_value(outcome.writing_style.as_dict(), asdict(outcome.metadata)),
            sample_id=strawberry.ID(outcome.sample_id),
            llm_metadata=LLMMetadata.from_value(outcome.metadata),
            warnings=outcome.warnings,
        )
