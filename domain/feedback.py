"""Feedback: people rate what Tailor made for them, and the good answers become training data.

A rating names one of the caller's own generations, improvements, analyses or rankings. The job is
linked from the subject, and the context a trainer needs — the job description, the resume or profile
text the answer was made from, the subject's facts — is copied in at submission, so a training sample
stays whole when the job or the resume later changes. Comments and responses are indexed for
semantic search over the caller's own feedback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ai.embeddings import Embedder
from domain.analyses import analysis_report
from domain.errors import BadInput
from domain.generations.results import generation_results
from domain.generations.text import item_text
from domain.improvements.results import improvement_result
from domain.indexing import Notify, feedback_collection, record_feedback
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.profiles import ProfileService
from domain.ranking.results import ranking_result
from domain.validation import clean_text
from storage.accounts import User
from storage.analyses import AnalysisRepository
from storage.codec import decode, encode
from storage.db import transaction, utcnow
from storage.feedback import Feedback, FeedbackRepository
from storage.generations import GenerationRepository
from storage.improvements import ImprovementRepository
from storage.jobs import Job, JobRepository
from storage.pagination import Keyset
from storage.ranking import RankingRepository
from storage.resumes import ResumeRepository
from storage.vectors import VectorIndex

SUBJECT_TYPES = ("GENERATION", "IMPROVEMENT", "ANALYSIS", "RANKING")
FIELD = "subject_id"  # the input field a missing subject is blamed on
MAX_COMMENT = 2000
MAX_TEXT = 50_000  # a query or a response
MAX_SIMILAR = 50
MAX_HIGH_QUALITY = 1000
TREND_DAYS = 30
EXPORT_BATCH = 500
SYSTEM_PROMPT = (
    "You are Tailor, a career assistant. Tailor resumes, cover letters and advice to the job, using only "
    "facts from the person's own resume or profile."
)


@dataclass(frozen=True, slots=True)
class FeedbackInput:
    subject_type: str
    subject_id: str
    rating: int
    comment: str | None = None
    query: str | None = None
    response: str | None = None


@dataclass(frozen=True, slots=True)
class SubjectStats:
    subject_type: str
    count: int
    average_rating: float


@dataclass(frozen=True, slots=True)
class DayStats:
    day: date
    count: int
    average_rating: float | None


@dataclass(frozen=True, slots=True)
class FeedbackStats:
    total: int
    average_rating: float | None
    distribution: dict[int, int]  # rating 1..5 → count
    by_subject: list[SubjectStats]
    trend: list[DayStats]  # the last 30 days, oldest first


@dataclass(frozen=True, slots=True)
class SimilarFeedback:
    feedback: Feedback
    similarity: float


@dataclass(frozen=True, slots=True)
class FeedbackContext:
    """What a trainer needs beside the answer, as it was when the feedback was given: the job, the resume
    (or, for answers made from the profile, the profile's text) and the subject's own facts — its options,
    scores, suggestions, match result or ranked items, snake_case like every stored result."""

    VERSION: ClassVar[int] = 1
    job_description: str | None = None
    job_title: str | None = None
    company: str | None = None
    resume_text: str | None = None
    profile_text: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def from_resume(self) -> bool:
        return self.resume_text is not None

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Rows written before the codec kept the facts beside the job and text, in camelCase."""
        known = {"jobDescription", "jobTitle", "company", "resumeText", "profileText"}
        return {
            **{k: v for k, v in data.items() if k in known},
            "facts": {k: v for k, v in data.items() if k not in known},
        }


def feedback_context(row: Feedback) -> FeedbackContext:
    return decode(FeedbackContext, row.context or {})


@dataclass(frozen=True, slots=True)
class _Subject:
    job_id: str | None
    query: str
    response: str
    context: FeedbackContext


def training_record(row: Feedback) -> dict[str, Any]:
    """One chat-format fine-tuning record: the system rule, the request with its context, the answer."""
    context = feedback_context(row)
    parts = [row.query or ""]
    if context.job_description:
        parts.append("Job description:\n" + context.job_description)
    source = context.resume_text or context.profile_text
    if source:
        parts.append("Candidate:\n" + source)
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "\n\n".join(part for part in parts if part)},
            {"role": "assistant", "content": row.response or ""},
        ],
        "rating": row.rating,
        "comment": row.comment,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "id": row.id,
        "created_at": row.created_at.isoformat(),
    }


CSV_COLUMNS = ("id", "created_at", "subject_type", "subject_id", "job_id", "rating", "comment", "query", "response")


def csv_row(row: Feedback) -> list[str]:
    return [
        row.id,
        row.created_at.isoformat(),
        row.subject_type,
        row.subject_id,
        row.job_id or "",
        str(row.rating),
        row.comment or "",
        row.query or "",
        row.response or "",
    ]


class FeedbackService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        profiles: ProfileService,
        embedder: Embedder,
        index: VectorIndex,
        notify: Notify,
    ) -> None:
        self._sessions = sessions
        self._profiles = profiles
        self._embedder = embedder
        self._index = index
        self._notify = notify

    async def submit(self, user: User, data: FeedbackInput) -> Feedback:
        if data.subject_type not in SUBJECT_TYPES:
            raise BadInput(f"subject_type must be one of {', '.join(SUBJECT_TYPES)}", field="subject_type")
        if isinstance(data.rating, bool) or not isinstance(data.rating, int) or not 1 <= data.rating <= 5:
            raise BadInput("rating must be a whole number from 1 to 5", field="rating")
        comment = clean_text(data.comment, "comment", max_length=MAX_COMMENT)
        query = clean_text(data.query, "query", max_length=MAX_TEXT)
        response = clean_text(data.response, "response", max_length=MAX_TEXT)
        subject = await self._subject(user, data.subject_type, data.subject_id)
        feedback = Feedback(
            user_id=user.id,
            subject_type=data.subject_type,
            subject_id=data.subject_id,
            job_id=subject.job_id if subject.context.job_description is not None else None,
            rating=data.rating,
            comment=comment,
            query=query or subject.query,
            response=response or subject.response,
            context=encode(subject.context),
            created_at=utcnow(),
        )
        async with transaction(self._sessions) as session:
            FeedbackRepository(session).add(feedback)
            await session.flush()
            record_feedback(session, feedback)
        self._notify()
        return feedback

    async def _subject(self, user: User, subject_type: str, subject_id: str) -> _Subject:
        """The caller's subject, its job, and what the answer was made from; NOT_FOUND otherwise."""
        missing = f"No such {subject_type.lower()}: {subject_id}"
        async with self._sessions() as session:
            if subject_type == "GENERATION":
                generation = await owned_or_not_found(
                    GenerationRepository(session), user, subject_id, FIELD, message=missing
                )
                job = await self._job(session, user, generation.job_id)
                kind = "cover letter" if generation.document_type == "COVER_LETTER" else "resume"
                query = f"Write a tailored {kind} for {generation.job_title or 'the job'}"
                query += f" at {generation.company}" if generation.company else ""
                options = generation_results(generation).options
                prompt = options.custom_prompt
                facts = {"document_type": generation.document_type, "options": asdict(options)}
                return _Subject(
                    generation.job_id,
                    f"{query}. {prompt}" if prompt else query,
                    generation.content_text,
                    await self._context(user, job, None, facts),
                )
            if subject_type == "IMPROVEMENT":
                improvement = await owned_or_not_found(
                    ImprovementRepository(session), user, subject_id, FIELD, message=missing
                )
                job = await self._job(session, user, improvement.job_id)
                resume = await ResumeRepository(session).find_owned(user.id, improvement.resume_id)
                improved = improvement_result(improvement)
                facts = {
                    "original_score": improvement.original_score,
                    "improved_score": improvement.improved_score,
                    "suggestions": [asdict(s) for s in improved.suggestions],
                }
                return _Subject(
                    improvement.job_id,
                    f"Improve this resume for {job.title if job and job.title else 'the job'}",
                    improved.improved_resume_text,
                    await self._context(user, job, resume.text if resume else None, facts),
                )
            if subject_type == "ANALYSIS":
                analysis = await owned_or_not_found(
                    AnalysisRepository(session), user, subject_id, FIELD, message=missing
                )
                job = await self._job(session, user, analysis.job_id)
                resume = await ResumeRepository(session).find_owned(user.id, analysis.resume_id)
                report = analysis_report(analysis)
                answer = json.dumps(
                    {
                        "percentage": report.percentage,
                        "level": report.level,
                        "breakdown": report.breakdown,
                        "matched_skills": report.matched_skills,
                        "missing_skills": report.missing_skills,
                    },
                    ensure_ascii=False,
                )
                return _Subject(
                    analysis.job_id,
                    f"How well does this resume match {job.title if job and job.title else 'the job'}?",
                    answer,
                    await self._context(user, job, resume.text if resume else None, {"result": asdict(report)}),
                )
            ranking = await owned_or_not_found(RankingRepository(session), user, subject_id, FIELD, message=missing)
            job = await self._job(session, user, ranking.job_id)
            query = f"Rank my experience and projects for {job.title if job and job.title else 'the job'}"
            return _Subject(
                ranking.job_id,
                f"{query}. {ranking.custom_prompt}" if ranking.custom_prompt else query,
                ranking.rationale,
                await self._context(user, job, None, {"items": [asdict(i) for i in ranking_result(ranking).items]}),
            )

    @staticmethod
    async def _job(session: AsyncSession, user: User, job_id: str | None) -> Job | None:
        """The subject's job, only while the caller may still read it (a posting made private is not)."""
        return await JobRepository(session).readable(user.id, job_id) if job_id else None

    async def _context(
        self, user: User, job: Job | None, resume_text: str | None, facts: dict[str, Any]
    ) -> FeedbackContext:
        profile_text = await self._profile_text(user) if resume_text is None else None
        return FeedbackContext(
            job_description=job.raw_text if job else None,
            job_title=job.title if job else None,
            company=job.company if job else None,
            resume_text=resume_text,
            profile_text=profile_text,
            facts=facts,
        )

    async def _profile_text(self, user: User) -> str | None:
        profile = await self._profiles.profile(user)
        if profile is None:
            return None
        experiences, projects = await self._profiles.sections(profile.id, ("experiences", "projects"))
        parts = [profile.enhanced_summary or profile.summary or ""]
        parts += [item_text(item) for item in [*experiences, *projects]]
        return "\n".join(part for part in parts if part) or None

    # Reads

    async def stats(self, user: User) -> FeedbackStats:
        today = datetime.now(UTC).date()
        first_day = today - timedelta(days=TREND_DAYS - 1)
        start = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
        async with self._sessions() as session:
            repo = FeedbackRepository(session)
            ratings = await repo.by_rating(user.id)
            subjects = await repo.by_subject(user.id)
            recent = await repo.ratings_since(user.id, start)
        total = sum(ratings.values())
        average = sum(r * n for r, n in ratings.items()) / total if total else None
        per_day: dict[date, list[int]] = {}
        for created, rating in recent:
            per_day.setdefault(created.astimezone(UTC).date(), []).append(rating)
        trend = []
        for offset in range(TREND_DAYS):
            day = first_day + timedelta(days=offset)
            values = per_day.get(day, [])
            trend.append(DayStats(day, len(values), round(sum(values) / len(values), 3) if values else None))
        return FeedbackStats(
            total=total,
            average_rating=round(average, 3) if average is not None else None,
            distribution={rating: ratings.get(rating, 0) for rating in range(1, 6)},
            by_subject=[
                SubjectStats(kind, subjects[kind][0], round(subjects[kind][1], 3))
                for kind in SUBJECT_TYPES
                if kind in subjects
            ],
            trend=trend,
        )

    async def similar(self, user: User, query: str, limit: int) -> list[SimilarFeedback]:
        text = clean_text(query, "query", max_length=MAX_COMMENT, required=True)
        assert text is not None
        if not 1 <= limit <= MAX_SIMILAR:
            raise BadInput(f"limit must be between 1 and {MAX_SIMILAR}", field="limit")
        collection = feedback_collection(user.id)
        if not await self._index.exists(collection):
            return []  # nothing indexed for them yet
        vector = await self._embedder.encode_one(text)
        hits = await self._index.search(collection, vector, limit)
        async with self._sessions() as session:
            rows = {
                row.id: row for row in await FeedbackRepository(session).find_owned_many(user.id, [h.id for h in hits])
            }
        return [SimilarFeedback(rows[hit.id], round(hit.score, 4)) for hit in hits if hit.id in rows]

    async def high_quality(self, user: User, min_rating: int, limit: int) -> list[Feedback]:
        if not 1 <= min_rating <= 5:
            raise BadInput("min_rating must be from 1 to 5", field="min_rating")
        if not 1 <= limit <= MAX_HIGH_QUALITY:
            raise BadInput(f"limit must be between 1 and {MAX_HIGH_QUALITY}", field="limit")
        async with self._sessions() as session:
            return await FeedbackRepository(session).page(user.id, Keyset(limit), min_rating=min_rating)

    async def page(
        self, user: User, keys: Keyset, *, subject_type: str | None, min_rating: int | None
    ) -> Page[Feedback]:
        if subject_type is not None and subject_type not in SUBJECT_TYPES:
            raise BadInput(f"subject_type must be one of {', '.join(SUBJECT_TYPES)}", field="subject_type")
        if min_rating is not None and not 1 <= min_rating <= 5:
            raise BadInput("min_rating must be from 1 to 5", field="min_rating")
        async with self._sessions() as session:
            repo = FeedbackRepository(session)
            filters = {"min_rating": min_rating, "subject_type": subject_type}
            rows = await repo.page(user.id, keys, **filters)
            total = await repo.count(user.id, **filters)
        return page_of(rows, total, keys)

    def export_rows(self, user: User, min_rating: int | None, since: datetime | None) -> AsyncIterator[Feedback]:
        """The caller's feedback, oldest first, read a page at a time (for streaming exports). The filters
        are checked now, before anything is streamed."""
        if min_rating is not None and not 1 <= min_rating <= 5:
            raise BadInput("min_rating must be from 1 to 5", field="min_rating")
        return self._rows(user, min_rating, since)

    async def _rows(self, user: User, min_rating: int | None, since: datetime | None) -> AsyncIterator[Feedback]:
        """A short session a page: a slow download holds no connection or snapshot between pages."""
        past: tuple[datetime, str] | None = None  # oldest first: backward reads, each past the newest row sent
        while True:
            async with self._sessions() as session:
                keys = Keyset(EXPORT_BATCH, before=past, backward=True)
                rows = await FeedbackRepository(session).page(user.id, keys, min_rating=min_rating, since=since)
            for row in rows:
                yield row
            if len(rows) < EXPORT_BATCH:
                return
            past = (rows[-1].created_at, rows[-1].id)
