"""Scoring and matching at the edge: resumeScore, profileScore, match, analyses, compareResumeToJobs,
recommendedJobs, jobClusters."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from domain.analyses import JobMatch as JobMatchValue
from domain.analyses import ScoreOutcome, analysis_report
from domain.budgets import Operation
from domain.matching import MatchParts, MatchReport
from domain.pagination import window
from graph.context import Context
from graph.jobs import Job, JobLevel
from graph.loaders import JobsByIdLoader, ResumesByIdLoader
from graph.pagination import Connection, connection_of
from graph.permissions import IsAuthenticated
from graph.resumes import Resume
from storage.analyses import Analysis as AnalysisRow

AUTH = [IsAuthenticated]


@strawberry.type(description="Each part 0..100; the formulas are in docs/scoring.md.")
class ScoreBreakdown:
    completeness: float
    experience: float
    skills: float
    certifications: float
    impact: float
    formatting: float


@strawberry.type
class ResumeScore:
    overall_score: float = strawberry.field(description="0..100")
    grade: str = strawberry.field(description="A+ 95–100, A 90–94, B+ 85–89, B 80–84, C+ 75–79, C 70–74, D 60–69, F")
    breakdown: ScoreBreakdown
    total_experience_years: float = strawberry.field(description="Overlapping roles counted once.")
    strengths: list[str]
    improvements: list[str]
    recommendations: list[str]
    cached: bool
    computed_at: datetime

    @classmethod
    def from_value(cls, outcome: ScoreOutcome) -> ResumeScore:
        report = outcome.report
        return cls(
            overall_score=report.overall,
            grade=report.grade,
            breakdown=ScoreBreakdown(**report.breakdown),
            total_experience_years=report.total_experience_years,
            strengths=report.strengths,
            improvements=report.improvements,
            recommendations=report.recommendations,
            cached=outcome.cached,
            computed_at=outcome.row.created_at,
        )


@strawberry.enum
class RecommendationLevel(Enum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    WEAK = "WEAK"


@strawberry.enum
class MatchKind(Enum):
    EXACT = "EXACT"
    ALIAS = "ALIAS"
    SEMANTIC = "SEMANTIC"


@strawberry.type(description="Where the resume shows a skill the job asks for.")
class SkillEvidence:
    skill: str
    how: MatchKind
    found_as: str = strawberry.field(description="The resume's own words.")
    section: str | None
    line: str


@strawberry.type
class MatchBreakdown:
    skills_match: float
    experience_match: float
    requirements_match: float = strawberry.field(description="Shown for information; not in the total.")

    @classmethod
    def from_value(cls, parts: MatchParts) -> MatchBreakdown:
        return cls(skills_match=parts.skills, experience_match=parts.experience, requirements_match=parts.requirements)


@strawberry.type
class MatchResult:
    match_percentage: float = strawberry.field(description="0..100")
    recommendation_level: RecommendationLevel
    breakdown: MatchBreakdown
    matched_skills: list[str] = strawberry.field(description="Named exactly or by a known alias.")
    semantic_skills: list[str] = strawberry.field(description="Only semantically close to a resume term.")
    missing_skills: list[str] = strawberry.field(description="The job's skills absent from the resume, heaviest first.")
    strengths: list[str]
    improvements: list[str]
    evidence: list[SkillEvidence]

    @classmethod
    def from_value(cls, report: MatchReport) -> MatchResult:
        return cls(
            match_percentage=report.percentage,
            recommendation_level=RecommendationLevel(report.level),
            breakdown=MatchBreakdown.from_value(report.parts),
            matched_skills=report.matched_skills,
            semantic_skills=report.semantic_skills,
            missing_skills=report.missing_skills,
            strengths=report.strengths,
            improvements=report.improvements,
            evidence=[
                SkillEvidence(skill=e.skill, how=MatchKind(e.how), found_as=e.found_as, section=e.section, line=e.line)
                for e in report.evidence
            ],
        )


@strawberry.type(description="A stored resume×job match.")
class Analysis:
    id: strawberry.ID
    resume_id: strawberry.ID
    job_id: strawberry.ID
    result: MatchResult
    cached: bool = strawberry.field(description="True when the stored analysis still matched the inputs.")
    created_at: datetime
    expires_at: datetime

    @strawberry.field
    async def job(self, info: Info[Context, None]) -> Job | None:
        user = await info.context.require_user()
        row = await JobsByIdLoader.for_operation(info).load(str(self.job_id))
        return Job.from_row(row, user.id) if row is not None else None

    @strawberry.field
    async def resume(self, info: Info[Context, None]) -> Resume | None:
        row = await ResumesByIdLoader.for_operation(info).load(str(self.resume_id))
        return Resume.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: AnalysisRow, cached: bool = True) -> Analysis:
        return cls(
            id=strawberry.ID(row.id),
            resume_id=strawberry.ID(row.resume_id),
            job_id=strawberry.ID(row.job_id),
            result=MatchResult.from_value(analysis_report(row)),
            cached=cached,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )


@strawberry.type(description="A job and how well the resume fits it.")
class JobMatch:
    job: Job
    result: MatchResult

    @classmethod
    def from_value(cls, value: JobMatchValue, user_id: str) -> JobMatch:
        return cls(job=Job.from_row(value.job, user_id), result=MatchResult.from_value(value.report))


@strawberry.input
class JobFilters:
    location: str | None = strawberry.field(default=None, description="Part of the job's location, any case.")
    level: JobLevel | None = None


@strawberry.type
class JobCluster:
    label: str
    keywords: list[str]
    size: int
    jobs: list[Job]


@strawberry.type
class AnalysisQuery:
    @strawberry.field(permission_classes=AUTH, description="How good one of your resumes is, on its own.")
    async def resume_score(self, info: Info[Context, None], resume_id: strawberry.ID) -> ResumeScore:
        user = await info.context.require_user()
        return ResumeScore.from_value(await info.context.services.analyses.resume_score(user, str(resume_id)))

    @strawberry.field(permission_classes=AUTH, description="How good your master profile is, read as a resume.")
    async def profile_score(self, info: Info[Context, None]) -> ResumeScore:
        user = await info.context.require_user()
        return ResumeScore.from_value(await info.context.services.analyses.profile_score(user))

    @strawberry.field(
        permission_classes=AUTH,
        description="How well a resume fits a job; stored as an analysis, and answered from it while the resume "
        "and the job are unchanged and it has not expired (unless `refresh`).",
    )
    async def match(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_id: strawberry.ID, refresh: bool = False
    ) -> Analysis:
        user = await info.context.require_user()
        row, cached = await info.context.services.analyses.match(user, str(resume_id), str(job_id), refresh)
        return Analysis.from_row(row, cached)

    @strawberry.field(permission_classes=AUTH, description="Your stored matches, newest first.")
    async def analyses(
        self,
        info: Info[Context, None],
        job_id: strawberry.ID | None = None,
        resume_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Analysis]:
        user = await info.context.require_user()
        page = await info.context.services.analyses.page(
            user,
            window(first, after, last, before),
            job_id=str(job_id) if job_id else None,
            resume_id=str(resume_id) if resume_id else None,
        )
        return connection_of(page, Analysis.from_row)

    @strawberry.field(
        permission_classes=AUTH, description="One resume against up to 1,000 jobs in one call, best first."
    )
    async def compare_resume_to_jobs(
        self, info: Info[Context, None], resume_id: strawberry.ID, job_ids: list[strawberry.ID], limit: int = 20
    ) -> list[JobMatch]:
        user = await info.context.require_user()
        services = info.context.services
        async with services.budgets.spend(user.id, Operation.COMPARE):  # RATE_LIMITED past the budget
            found = await services.analyses.compare(user, str(resume_id), [str(i) for i in job_ids], limit)
        return [JobMatch.from_value(value, user.id) for value in found]

    @strawberry.field(
        permission_classes=AUTH,
        description="The public and your own jobs closest to a resume (vector search), rescored with `match`.",
    )
    async def recommended_jobs(
        self, info: Info[Context, None], resume_id: strawberry.ID, limit: int = 10, filters: JobFilters | None = None
    ) -> list[JobMatch]:
        user = await info.context.require_user()
        found = await info.context.services.analyses.recommended(
            user,
            str(resume_id),
            limit,
            filters.location if filters else None,
            filters.level.value if filters and filters.level else None,
        )
        return [JobMatch.from_value(value, user.id) for value in found]

    @strawberry.field(
        permission_classes=AUTH,
        description="The jobs you can see (newest 5,000) in k groups by meaning, each labelled by its top keywords.",
    )
    async def job_clusters(self, info: Info[Context, None], k: int = 5) -> list[JobCluster]:
        user = await info.context.require_user()
        clusters = await info.context.services.analyses.clusters(user, k)
        return [
            JobCluster(
                label=c.label,
                keywords=c.keywords,
                size=len(c.jobs),
                jobs=[Job.from_row(job, user.id) for job in c.jobs],
            )
            for c in clusters
        ]
