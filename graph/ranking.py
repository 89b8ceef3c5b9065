"""Ranking at the edge: `rankContent` and `ranking`, a profile's items ordered for a job."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from domain.budgets import Operation
from domain.ranking.results import RankingResult, ranking_result
from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.profile_types import Experience, Project
from graph.shared_types import LLMMetadata
from storage.ranking import Ranking as RankingRow


@strawberry.type
class RankedExperience:
    item: Experience
    relevance_score: float = strawberry.field(description="0..1")
    matched_keywords: list[str]


@strawberry.type
class RankedProject:
    item: Project
    relevance_score: float = strawberry.field(description="0..1")
    matched_keywords: list[str]


@strawberry.type
class KeywordMatch:
    skill: str
    count: int = strawberry.field(description="How many of your ranked items show it.")


@strawberry.type
class Ranking:
    id: strawberry.ID = strawberry.field(
        description="Kept while the job is: a recomputation replaces the content, not the id."
    )
    job_id: strawberry.ID
    ranked_experiences: list[RankedExperience]
    ranked_projects: list[RankedProject]
    rationale: str
    keyword_matches: list[KeywordMatch]
    llm_metadata: LLMMetadata
    status: str
    cached: bool = strawberry.field(description="True when the stored ranking still matched your inputs.")
    created_at: datetime


async def ranking_of(
    info: Info[Context, None], row: RankingRow, cached: bool, result: RankingResult | None = None
) -> Ranking:
    user = await info.context.require_user()
    profiles = info.context.services.profiles
    result = result or ranking_result(row)
    ids = {kind: [i.id for i in result.items if i.kind == kind] for kind in ("experience", "project")}
    experiences = await profiles.items_by_ids(user, "experiences", ids["experience"])
    projects = await profiles.items_by_ids(user, "projects", ids["project"])
    ranked_experiences = [
        RankedExperience(
            item=Experience.from_row(experiences[i.id]), relevance_score=i.score, matched_keywords=i.matched
        )
        for i in result.items
        if i.id in experiences
    ]
    ranked_projects = [
        RankedProject(item=Project.from_row(projects[i.id]), relevance_score=i.score, matched_keywords=i.matched)
        for i in result.items
        if i.id in projects
    ]
    return Ranking(
        id=strawberry.ID(row.id),
        job_id=strawberry.ID(row.job_id),
        ranked_experiences=ranked_experiences,
        ranked_projects=ranked_projects,
        rationale=row.rationale,
        keyword_matches=[
            KeywordMatch(skill=k, count=v) for k, v in sorted(result.keyword_matches.items(), key=lambda kv: -kv[1])
        ],
        llm_metadata=LLMMetadata.from_value(result.llm_metadata),
        status=row.status,
        cached=cached,
        created_at=row.created_at,
    )


@strawberry.input
class RankContentInput:
    job_id: strawberry.ID
    custom_prompt: str | None = strawberry.field(default=None, description="Terms it names weigh more.")
    force: bool = False


@strawberry.type
class RankingQuery:
    @strawberry.field(permission_classes=[IsAuthenticated], description="Your stored ranking for a job.")
    async def ranking(self, info: Info[Context, None], job_id: strawberry.ID) -> Ranking:
        user = await info.context.require_user()
        return await ranking_of(info, await info.context.services.ranking.get(user, str(job_id)), cached=True)


@strawberry.type
class RankingMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Rank your experiences and projects for a job: embedding similarity, weighted keyword "
        "overlap and recency. Cached while your profile, the job and the prompt are unchanged, unless `force`.",
    )
    async def rank_content(self, info: Info[Context, None], input: RankContentInput) -> Ranking:
        user = await info.context.require_user()
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.LLM) as spend:  # RATE_LIMITED past the budget
            outcome = await services.ranking.rank(user, str(input.job_id), input.custom_prompt, input.force)
            if not outcome.cached:
                await spend.tokens(outcome.result.llm_metadata.total_tokens)
        return await ranking_of(info, outcome.ranking, outcome.cached, outcome.result)
