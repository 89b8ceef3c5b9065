"""Feedback at the edge: `submitFeedback`, `feedback` (the list), `feedbackStats`, `similarFeedback`,
`highQualityFeedback`. The CSV and JSON Lines exports are HTTP routes (graph/exports.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.feedback import FeedbackInput, feedback_context
from domain.feedback import FeedbackStats as StatsValue
from domain.pagination import window
from graph.context import Context
from graph.jobs import Job
from graph.loaders import JobsByIdLoader
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from graph.shared_types import camel_case_keys
from storage.feedback import Feedback as FeedbackRow

AUTH = [IsAuthenticated]


@strawberry.enum(description="What a piece of feedback is about.")
class FeedbackSubject(Enum):
    GENERATION = "GENERATION"
    IMPROVEMENT = "IMPROVEMENT"
    ANALYSIS = "ANALYSIS"
    RANKING = "RANKING"


@strawberry.type
class Feedback:
    id: strawberry.ID
    subject_type: FeedbackSubject
    subject_id: strawberry.ID
    job_id: strawberry.ID | None = strawberry.field(description="Linked from the subject; null once the job is gone.")
    rating: int
    comment: str | None
    query: str | None
    response: str | None
    created_at: datetime
    _row: strawberry.Private[FeedbackRow]

    @strawberry.field
    async def job(self, info: Info[Context, None]) -> Job | None:
        if self.job_id is None:
            return None
        user = await info.context.require_user()
        row = await JobsByIdLoader.for_operation(info).load(str(self.job_id))
        return Job.from_row(row, user.id) if row is not None else None

    @classmethod
    def from_row(cls, row: FeedbackRow) -> Feedback:
        return cls(
            id=strawberry.ID(row.id),
            subject_type=FeedbackSubject(row.subject_type),
            subject_id=strawberry.ID(row.subject_id),
            job_id=strawberry.ID(row.job_id) if row.job_id else None,
            rating=row.rating,
            comment=row.comment,
            query=row.query,
            response=row.response,
            created_at=row.created_at,
            _row=row,
        )


@strawberry.input
class SubmitFeedbackInput:
    subject_type: FeedbackSubject
    subject_id: strawberry.ID = strawberry.field(
        description="One of your generations, improvements, analyses or rankings."
    )
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None = strawberry.field(default=None, description="At most 2,000 characters.")
    query: str | None = strawberry.field(default=None, description="What was asked; the subject's request if omitted.")
    response: str | None = strawberry.field(
        default=None, description="What was answered; the subject's output if omitted."
    )


@strawberry.type
class RatingCount:
    rating: int
    count: int


@strawberry.type
class SubjectFeedbackStats:
    subject_type: FeedbackSubject
    count: int
    average_rating: float


@strawberry.type
class DailyFeedback:
    day: date
    count: int
    average_rating: float | None


@strawberry.type
class FeedbackStats:
    total: int
    average_rating: float | None
    distribution: list[RatingCount] = strawberry.field(description="Ratings 1 to 5, each with its count.")
    by_subject_type: list[SubjectFeedbackStats]
    last_30_days: list[DailyFeedback] = strawberry.field(description="Oldest first, one entry a day (UTC).")

    @classmethod
    def from_value(cls, value: StatsValue) -> FeedbackStats:
        return cls(
            total=value.total,
            average_rating=value.average_rating,
            distribution=[RatingCount(rating=r, count=n) for r, n in value.distribution.items()],
            by_subject_type=[
                SubjectFeedbackStats(
                    subject_type=FeedbackSubject(s.subject_type), count=s.count, average_rating=s.average_rating
                )
                for s in value.by_subject
            ],
            last_30_days=[
                DailyFeedback(day=d.day, count=d.count, average_rating=d.average_rating) for d in value.trend
            ],
        )


@strawberry.type
class SimilarFeedback:
    feedback: Feedback
    similarity: float = strawberry.field(description="Cosine similarity of the query to the comment and response.")


@strawberry.type(description="A highly rated answer with everything a fine-tuning run needs.")
class TrainingSample:
    feedback: Feedback
    job_description: str | None
    source_text: str | None = strawberry.field(description="The resume (or, for profile-based answers, the profile).")
    source_kind: str = strawberry.field(description="RESUME or PROFILE.")
    query: str | None
    response: str | None
    rating: int
    context: JSON = strawberry.field(description="The subject's facts when the feedback was given.")

    @classmethod
    def from_row(cls, row: FeedbackRow) -> TrainingSample:
        context = feedback_context(row)
        shown: dict[str, Any] = {"jobDescription": context.job_description}
        if context.job_description is not None:
            shown |= {"jobTitle": context.job_title, "company": context.company}
        if context.from_resume:
            shown["resumeText"] = context.resume_text
        else:
            shown["profileText"] = context.profile_text
        return cls(
            feedback=Feedback.from_row(row),
            job_description=context.job_description,
            source_text=context.resume_text if context.from_resume else context.profile_text,
            source_kind="RESUME" if context.from_resume else "PROFILE",
            query=row.query,
            response=row.response,
            rating=row.rating,
            context=shown | camel_case_keys(context.facts),
        )


@strawberry.type
class FeedbackQuery:
    @strawberry.field(name="feedback", permission_classes=AUTH, description="Your feedback, newest first.")
    async def feedback_list(
        self,
        info: Info[Context, None],
        subject_type: FeedbackSubject | None = None,
        min_rating: int | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Feedback]:
        user = await info.context.require_user()
        page = await info.context.services.feedback.page(
            user,
            window(first, after, last, before),
            subject_type=subject_type.value if subject_type else None,
            min_rating=min_rating,
        )
        return connection_of(page, Feedback.from_row)

    @strawberry.field(permission_classes=AUTH, description="Totals, the rating distribution, per subject, 30 days.")
    async def feedback_stats(self, info: Info[Context, None]) -> FeedbackStats:
        user = await info.context.require_user()
        return FeedbackStats.from_value(await info.context.services.feedback.stats(user))

    @strawberry.field(permission_classes=AUTH, description="Your feedback closest in meaning to the query.")
    async def similar_feedback(self, info: Info[Context, None], query: str, limit: int = 5) -> list[SimilarFeedback]:
        user = await info.context.require_user()
        found = await info.context.services.feedback.similar(user, query, limit)
        return [SimilarFeedback(feedback=Feedback.from_row(f.feedback), similarity=f.similarity) for f in found]

    @strawberry.field(permission_classes=AUTH, description="Your best-rated answers as training samples, newest first.")
    async def high_quality_feedback(
        self, info: Info[Context, None], min_rating: int = 4, limit: int = 100
    ) -> list[TrainingSample]:
        user = await info.context.require_user()
        rows = await info.context.services.feedback.high_quality(user, min_rating, limit)
        return [TrainingSample.from_row(row) for row in rows]


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        permission_classes=AUTH,
        description="Rate one of your generations, improvements, analyses or rankings (1–5); its job is linked.",
    )
    async def submit_feedback(self, info: Info[Context, None], input: SubmitFeedbackInput) -> Feedback:
        user = await info.context.require_user()
        data = FeedbackInput(
            subject_type=input.subject_type.value,
            subject_id=str(input.subject_id),
            rating=input.rating,
            comment=input.comment,
            query=input.query,
            response=input.response,
        )
        return Feedback.from_row(await info.context.services.feedback.submit(user, data))
