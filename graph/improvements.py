"""The improvement pipeline at the edge: `improveResume` as a mutation (to completion) and as a
subscription (live events), and the stored results: `improvement`, `improvements`, `improvementRun`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing, suppress
from datetime import UTC, datetime, timedelta
from enum import Enum

import strawberry
from strawberry.types import Info

from domain.budgets import Operation
from domain.errors import NotFound
from domain.improvements.events import ImprovementEvent as EventValue
from domain.improvements.results import ImprovementResult, ScoreParts, improvement_result
from domain.improvements.results import SectionDiff as SectionDiffValue
from domain.pagination import window
from graph.analyses import MatchBreakdown
from graph.context import Context
from graph.jobs import Job
from graph.loaders import JobsByIdLoader, ResumesByIdLoader
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from graph.resumes import Resume
from graph.shared_types import LLMMetadata
from storage.improvements import Improvement as ImprovementRow
from storage.improvements import ImprovementRun as RunRow

AUTH = [IsAuthenticated]
RUN_BUDGETS = (Operation.IMPROVEMENT, Operation.LLM)
FRESH_SLACK = timedelta(seconds=1)  # an improvement updated since the call began (less this) came from a run


def pair(resume_id: strawberry.ID, job_id: strawberry.ID) -> str:
    """Calls for one resume and job share their run, so they share their budget (domain/budgets.py)."""
    return f"improvement:{resume_id}:{job_id}"


def run_tokens(row: ImprovementRow) -> int:
    """The tokens a run's model calls spent, summed (its llmMetadata)."""
    return improvement_result(row).llm_metadata.total_tokens


@strawberry.enum(description="The pipeline's stages, in order; DONE ends a completed run.")
class ImprovementStage(Enum):
    LOAD = "LOAD"
    PARSE = "PARSE"
    RESUME_KEYWORDS = "RESUME_KEYWORDS"
    JOB_KEYWORDS = "JOB_KEYWORDS"
    SCORE_BEFORE = "SCORE_BEFORE"
    SUGGEST = "SUGGEST"
    REWRITE = "REWRITE"
    SCORE_AFTER = "SCORE_AFTER"
    SAVE = "SAVE"
    DONE = "DONE"


@strawberry.enum
class RunStatus(Enum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"


@strawberry.enum
class SuggestionPriority(Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


@strawberry.type
class ImprovementSuggestion:
    text: str
    reasoning: str
    priority: SuggestionPriority
    expected_impact: str
    section: str


@strawberry.type(description="One section of the resume before and after the rewrite.")
class SectionDiff:
    section: str = strawberry.field(description="header, summary, experience, projects, skills, education, ...")
    heading: str | None = strawberry.field(description="The heading line as written; null for the header.")
    original: str
    improved: str
    changed: bool
    added: list[str] = strawberry.field(description="Lines only in the improved section.")
    removed: list[str] = strawberry.field(description="Lines only in the original section.")
    notes: list[str] = strawberry.field(description="What the rewrite could not do honestly.")

    @classmethod
    def from_value(cls, value: SectionDiffValue) -> SectionDiff:
        return cls(
            section=value.section,
            heading=value.heading,
            original=value.original,
            improved=value.improved,
            changed=value.changed,
            added=value.added,
            removed=value.removed,
            notes=value.notes,
        )


def _breakdown(parts: ScoreParts) -> MatchBreakdown:
    return MatchBreakdown(
        skills_match=parts.skills, experience_match=parts.experience, requirements_match=parts.requirements
    )


def _priority(value: str) -> SuggestionPriority:
    return SuggestionPriority.__members__.get(value.upper(), SuggestionPriority.MEDIUM)


@strawberry.type(description="A resume improved for a job: scores before and after, suggestions, the rewrite.")
class Improvement:
    id: strawberry.ID
    resume_id: strawberry.ID
    job_id: strawberry.ID
    original_score: float = strawberry.field(description="The match percentage (0..100) before.")
    improved_score: float = strawberry.field(description="The match percentage (0..100) of the improved text.")
    original_ats_score: float = strawberry.field(description="ATS readiness for the job (0..100) before.")
    improved_ats_score: float
    original_breakdown: MatchBreakdown
    improved_breakdown: MatchBreakdown
    matched_keywords: list[str] = strawberry.field(description="The job's skills the resume shows.")
    semantic_keywords: list[str] = strawberry.field(description="Job skills the resume shows only in other words.")
    missing_keywords: list[str] = strawberry.field(description="The job's skills the resume does not show.")
    suggestions: list[ImprovementSuggestion]
    improved_resume_text: str
    diff: list[SectionDiff]
    warnings: list[str] = strawberry.field(description="What the truthfulness check removed from the rewrite.")
    llm_metadata: LLMMetadata = strawberry.field(description="Every model call of the run, summed.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def resume(self, info: Info[Context, None]) -> Resume | None:
        row = await ResumesByIdLoader.for_operation(info).load(str(self.resume_id))
        return Resume.from_row(row) if row is not None else None

    @strawberry.field
    async def job(self, info: Info[Context, None]) -> Job | None:
        user = await info.context.require_user()
        row = await JobsByIdLoader.for_operation(info).load(str(self.job_id))
        return Job.from_row(row, user.id) if row is not None else None

    @classmethod
    def from_row(cls, row: ImprovementRow) -> Improvement:
        result: ImprovementResult = improvement_result(row)
        return cls(
            id=strawberry.ID(row.id),
            resume_id=strawberry.ID(row.resume_id),
            job_id=strawberry.ID(row.job_id),
            original_score=row.original_score,
            improved_score=row.improved_score,
            original_ats_score=result.original_ats_score,
            improved_ats_score=result.improved_ats_score,
            original_breakdown=_breakdown(result.original),
            improved_breakdown=_breakdown(result.improved),
            matched_keywords=result.matched_keywords,
            semantic_keywords=result.semantic_keywords,
            missing_keywords=result.missing_keywords,
            suggestions=[
                ImprovementSuggestion(
                    text=s.text,
                    reasoning=s.reasoning,
                    priority=_priority(s.priority),
                    expected_impact=s.expected_impact,
                    section=s.section,
                )
                for s in result.suggestions
            ],
            improved_resume_text=result.improved_resume_text,
            diff=[SectionDiff.from_value(d) for d in result.diff],
            warnings=result.warnings,
            llm_metadata=LLMMetadata.from_value(result.llm_metadata),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type
class ImprovementError:
    code: str
    message: str


@strawberry.type(description="Progress of an improvement run; the last event carries the improvement or an error.")
class ImprovementEvent:
    run_id: strawberry.ID | None = strawberry.field(description="Null for an answer from the stored improvement.")
    sequence: int = strawberry.field(description="Rises with every event of a run.")
    status: RunStatus
    stage: ImprovementStage
    progress: float = strawberry.field(description="0..1, rising; 1 when completed.")
    message: str
    cached: bool
    error: ImprovementError | None
    at: datetime = strawberry.field(description="When the server reached this point.")
    _event: strawberry.Private[EventValue]

    @strawberry.field(description="On the COMPLETED event.")
    async def improvement(self, info: Info[Context, None]) -> Improvement | None:
        if self._event.improvement_id is None:
            return None
        user = await info.context.require_user()
        return Improvement.from_row(await info.context.services.improvements.improvement_of_event(user, self._event))

    @classmethod
    def from_value(cls, event: EventValue) -> ImprovementEvent:
        error = None
        if event.error_code is not None:
            error = ImprovementError(code=event.error_code, message=event.error_message or "")
        return cls(
            run_id=strawberry.ID(event.run_id) if event.run_id else None,
            sequence=event.sequence,
            status=RunStatus(event.status),
            stage=ImprovementStage(event.stage),
            progress=event.progress,
            message=event.message,
            cached=event.cached,
            error=error,
            at=event.at,
            _event=event,
        )


@strawberry.type(description="The latest run for a resume and a job: whether it is going, ended, or was cut off.")
class ImprovementRun:
    id: strawberry.ID
    status: RunStatus
    stage: ImprovementStage
    progress: float
    message: str
    analyze_again: bool
    error: ImprovementError | None
    improvement_id: strawberry.ID | None
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: RunRow) -> ImprovementRun:
        error = ImprovementError(code=row.error_code, message=row.error_message or "") if row.error_code else None
        return cls(
            id=strawberry.ID(row.id),
            status=RunStatus(row.status),
            stage=ImprovementStage(row.stage),
            progress=row.progress,
            message=row.message,
            analyze_again=row.analyze_again,
            error=error,
            improvement_id=strawberry.ID(row.improvement_id) if row.improvement_id else None,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


@strawberry.type
class ImprovementQuery:
    @strawberry.field(permission_classes=AUTH, description="The stored improvement of a resume for a job.")
    async def improvement(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_id: strawberry.ID
    ) -> Improvement:
        user = await info.context.require_user()
        return Improvement.from_row(await info.context.services.improvements.get(user, str(resume_id), str(job_id)))

    @strawberry.field(permission_classes=AUTH, description="Your stored improvements, most recently updated first.")
    async def improvements(
        self,
        info: Info[Context, None],
        resume_id: strawberry.ID | None = None,
        job_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Improvement]:
        user = await info.context.require_user()
        page = await info.context.services.improvements.page(
            user,
            window(first, after, last, before),
            resume_id=str(resume_id) if resume_id else None,
            job_id=str(job_id) if job_id else None,
        )
        return connection_of(page, Improvement.from_row)

    @strawberry.field(permission_classes=AUTH, description="The latest improvement run for a resume and a job.")
    async def improvement_run(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_id: strawberry.ID
    ) -> ImprovementRun:
        user = await info.context.require_user()
        return ImprovementRun.from_row(
            await info.context.services.improvements.latest_run(user, str(resume_id), str(job_id))
        )


@strawberry.type
class ImprovementMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Improve a resume for a job and wait for the result: the stored one unless `analyzeAgain`, "
        "or the run already going for the pair, joined. A failed run answers its error code.",
    )
    async def improve_resume(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_id: strawberry.ID, analyze_again: bool = False
    ) -> Improvement:
        user = await info.context.require_user()
        services = info.context.services
        started = datetime.now(UTC) - FRESH_SLACK
        # RATE_LIMITED past the budget; joining the pair's call under way costs nothing more
        async with services.budgets.spend(user.id, *RUN_BUDGETS, share=pair(resume_id, job_id)) as spend:
            row = await services.improvements.improve(user, str(resume_id), str(job_id), analyze_again)
            if row.updated_at >= started:  # a run made it (a stored answer spent no tokens now)
                await spend.tokens(run_tokens(row))
        return Improvement.from_row(row)


@strawberry.type
class ImprovementSubscription:
    @strawberry.subscription(
        permission_classes=AUTH,
        description="Improve a resume for a job and watch it: one COMPLETED event from the stored result unless "
        "`analyzeAgain`; else the run's events (joining the run already going) until COMPLETED or FAILED.",
    )
    async def improve_resume(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_id: strawberry.ID, analyze_again: bool = False
    ) -> AsyncGenerator[ImprovementEvent, None]:
        user = await info.context.require_user()
        services = info.context.services
        # RATE_LIMITED past the budget; the pair's slot in flight is held while anyone watches its run, and
        # subscribers joining the pair's call under way cost nothing more
        async with services.budgets.spend(user.id, *RUN_BUDGETS, share=pair(resume_id, job_id)) as spend:
            events = services.improvements.events(user, str(resume_id), str(job_id), analyze_again)
            async with aclosing(events):  # a subscriber that leaves unsubscribes at once; the run goes on
                async for event in events:
                    if event.improvement_id is not None and not event.cached:
                        with suppress(NotFound):  # deleted with its resume or job: the field answers that
                            await spend.tokens(
                                run_tokens(await services.improvements.improvement_of_event(user, event))
                            )
                    yield ImprovementEvent.from_value(event)
