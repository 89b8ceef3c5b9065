"""`storageStats`: what Tailor holds for you, kind by kind, with the newest five of each."""

from __future__ import annotations

from dataclasses import asdict

import strawberry
from strawberry.types import Info

from domain.insights import StorageStats as StatsValue
from graph.analyses import Analysis
from graph.context import Context
from graph.feedback import Feedback
from graph.generations import Generation
from graph.improvements import Improvement
from graph.jobs import Job
from graph.permissions import IsAuthenticated
from graph.resumes import Resume
from graph.samples import Sample


@strawberry.type
class JobHoldings:
    total: int
    newest: list[Job]


@strawberry.type
class ResumeHoldings:
    total: int
    newest: list[Resume]


@strawberry.type
class SampleHoldings:
    total: int
    newest: list[Sample]


@strawberry.type
class AnalysisHoldings:
    total: int
    newest: list[Analysis]


@strawberry.type
class ImprovementHoldings:
    total: int
    newest: list[Improvement]


@strawberry.type
class GenerationHoldings:
    total: int
    newest: list[Generation]


@strawberry.type
class FeedbackHoldings:
    total: int
    newest: list[Feedback]


@strawberry.type(description="Row counts across every user: for ADMIN users only.")
class GlobalTotals:
    users: int
    jobs: int
    resumes: int
    samples: int
    analyses: int
    improvements: int
    generations: int
    feedback: int


@strawberry.type(
    description="Your upload quota and what of it you use: a resume counts its file's bytes, a writing sample "
    "the characters of text kept from it; each counts one file. An upload past either limit is refused with "
    "QUOTA_EXCEEDED."
)
class StorageQuota:
    bytes_used: int
    bytes_limit: int
    files_used: int
    files_limit: int


@strawberry.type(description="What Tailor holds for you: each kind's total and its five newest.")
class StorageStats:
    jobs: JobHoldings = strawberry.field(description="Jobs you saved (PUBLIC ones you posted included).")
    resumes: ResumeHoldings
    samples: SampleHoldings
    analyses: AnalysisHoldings
    improvements: ImprovementHoldings
    generations: GenerationHoldings
    feedback: FeedbackHoldings
    average_rating: float | None = strawberry.field(description="Of the feedback you gave; null without any.")
    global_totals: GlobalTotals | None = strawberry.field(description="Null unless you are an ADMIN.")
    quota: StorageQuota

    @classmethod
    def from_value(cls, value: StatsValue, viewer_id: str) -> StorageStats:
        held = value.holdings
        return cls(
            jobs=JobHoldings(
                total=held["jobs"].total, newest=[Job.from_row(r, viewer_id) for r in held["jobs"].newest]
            ),
            resumes=ResumeHoldings(
                total=held["resumes"].total, newest=[Resume.from_row(r) for r in held["resumes"].newest]
            ),
            samples=SampleHoldings(
                total=held["samples"].total, newest=[Sample.from_row(r) for r in held["samples"].newest]
            ),
            analyses=AnalysisHoldings(
                total=held["analyses"].total, newest=[Analysis.from_row(r) for r in held["analyses"].newest]
            ),
            improvements=ImprovementHoldings(
                total=held["improvements"].total, newest=[Improvement.from_row(r) for r in held["improvements"].newest]
            ),
            generations=GenerationHoldings(
                total=held["generations"].total, newest=[Generation.from_row(r) for r in held["generations"].newest]
            ),
            feedback=FeedbackHoldings(
                total=held["feedback"].total, newest=[Feedback.from_row(r) for r in held["feedback"].newest]
            ),
            average_rating=value.average_rating,
            global_totals=GlobalTotals(**value.global_totals) if value.global_totals is not None else None,
            quota=StorageQuota(**asdict(value.quota)),
        )


@strawberry.type
class InsightQuery:
    @strawberry.field(permission_classes=[IsAuthenticated], description="What Tailor holds for you.")
    async def storage_stats(self, info: Info[Context, None]) -> StorageStats:
        user = await info.context.require_user()
        return StorageStats.from_value(await info.context.services.insights.storage_stats(user), user.id)
