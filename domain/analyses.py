"""Scoring and matching as a service: resume and profile scores, resume×job matches stored as
analyses, one resume against many jobs, recommended jobs from the vector index, and job clusters.

Results are cached with expiry and keyed by the hash of their inputs (the resume's content, the job's
content, the profile's items, the formula's settings), so an edit invalidates them at once and a cached
answer is the very answer a fresh computation would give.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import cpu
from domain.ai.embeddings import Embedder
from domain.clustering import kmeans, label
from domain.documents.resume_parsing import ParsedResume
from domain.errors import BadInput, NotFound
from domain.indexing import job_document
from domain.jobs import JobService, keyword_weights
from domain.matching import JobTerms, MatchReport
from domain.months import this_month
from domain.pagination import Page, page_of
from domain.profiles import ProfileService
from domain.resume_compiler import bullets_of
from domain.resume_views import ResumeView, match_many, read_for_matching, unmatched_terms
from domain.resumes import ResumeService, parsed_resume
from domain.scoring import ResumeFacts, Role, ScoreReport, score_resume, years_of
from domain.skills import Lexicon, SkillMatch
from storage.accounts import User
from storage.analyses import Analysis, AnalysisRepository, CachedScore, ScoreCacheRepository
from storage.codec import decode, encode
from storage.db import transaction, utcnow
from storage.jobs import Job
from storage.pagination import Keyset
from storage.resumes import Resume
from storage.vectors import VectorIndex

FORMULA = "match-v1"  # part of every inputs hash: a change of formula invalidates what was cached
MAX_COMPARE = 1000
MAX_LIMIT = 100
MAX_CLUSTER_JOBS = 5000
MATCH_CHUNK = 100  # jobs matched per CPU worker call
MAX_VIEWS = 256  # resumes kept read for matching, by content hash


@dataclass(frozen=True, slots=True)
class MatchSettings:
    skills_weight: float = 0.65
    experience_weight: float = 0.35
    semantic_threshold: float = 0.5
    score_weights: tuple[tuple[str, float], ...] = ()
    score_ttl: timedelta = timedelta(days=7)
    match_ttl: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    report: ScoreReport
    cached: bool
    row: CachedScore


@dataclass(frozen=True, slots=True)
class JobMatch:
    job: Job
    report: MatchReport
    analysis: Analysis | None  # stored analyses only for `match`; batch answers are not history


@dataclass(frozen=True, slots=True)
class Cluster:
    label: str
    keywords: list[str]
    jobs: list[Job]


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def job_terms(job: Job) -> JobTerms:
    return JobTerms(job.title, list(job.skills), keyword_weights(job), list(job.requirements), job.years_required)


class AnalysisService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        resumes: ResumeService,
        profiles: ProfileService,
        jobs: JobService,
        embedder: Embedder,
        index: VectorIndex,
        lexicon: Lexicon,
        settings: MatchSettings,
    ) -> None:
        self._sessions = sessions
        self._resumes = resumes
        self._profiles = profiles
        self._jobs = jobs
        self._embedder = embedder
        self._index = index
        self._lexicon = lexicon
        self._settings = settings
        self._views: OrderedDict[str, tuple[ResumeView, dict[str, SkillMatch]]] = OrderedDict()

    async def _resume(self, user: User, resume_id: str) -> Resume:
        try:
            return await self._resumes.get(user, resume_id)
        except NotFound as exc:
            raise NotFound(exc.message, field="resume_id") from exc

    async def _view(self, resume: Resume) -> tuple[ResumeView, dict[str, SkillMatch]]:
        """The resume read for matching (in the CPU pool), kept per content hash: one lexicon scan per
        resume, not per call."""
        key = resume.content_hash
        if key in self._views:
            self._views.move_to_end(key)
            return self._views[key]
        entry = await cpu.run_sized(
            len(resume.text), read_for_matching, resume.text, parsed_resume(resume), key, self._lexicon
        )
        self._views[key] = entry
        if len(self._views) > MAX_VIEWS:
            self._views.popitem(last=False)
        return entry

    # Scores

    async def resume_score(self, user: User, resume_id: str) -> ScoreOutcome:
        resume = await self._resume(user, resume_id)
        view, _ = await self._view(resume)
        return await self._score(user, f"resume:{resume.id}", view.facts, _hash(resume.content_hash))

    async def profile_score(self, user: User) -> ScoreOutcome:
        facts, fingerprint = await self._profile_facts(user)
        return await self._score(user, "profile", facts, fingerprint)

    async def _score(self, user: User, subject: str, facts: ResumeFacts, fingerprint: str) -> ScoreOutcome:
        weights = dict(self._settings.score_weights) or None
        inputs = _hash(FORMULA, fingerprint, weights, this_month().isoformat())  # years grow month by month
        now = utcnow()
        async with self._sessions() as session:
            cached = await ScoreCacheRepository(session).fresh(user.id, subject, inputs, now)
        if cached is not None:
            return ScoreOutcome(decode(ScoreReport, cached.result), True, cached)
        report = await cpu.run_sized(facts.words * 7, score_resume, facts, self._lexicon, weights)  # ~7 chars a word
        values = {
            "inputs_hash": inputs,
            "result": encode(report),
            "created_at": now,
            "expires_at": now + self._settings.score_ttl,
        }
        try:
            async with transaction(self._sessions) as session:
                row = await ScoreCacheRepository(session).save(user.id, subject, values)
        except IntegrityError:  # a parallel request stored the same subject first: same inputs, same answer
            async with self._sessions() as session:
                row = await ScoreCacheRepository(session).fresh(user.id, subject, inputs, now)
            if row is None:
                raise
        return ScoreOutcome(report, False, row)

    async def _profile_facts(self, user: User) -> tuple[ResumeFacts, str]:
        profile = await self._profiles.profile(user)
        if profile is None:
            return ResumeFacts(None, None, None, None, [], [], 0, [], 0, 0, frozenset()), _hash("empty")
        experiences, projects, skills, education, certifications = await self._profiles.sections(
            profile.id, ("experiences", "projects", "skills", "education", "certifications")
        )
        roles = [
            Role(
                e.title,
                e.company,
                e.start_month,
                e.end_month,
                e.end_month is None,
                bullets_of(e.enhanced_description)
                if e.enhanced_description
                else bullets_of(e.description) + list(e.highlights),
            )
            for e in sorted(experiences, key=lambda e: e.start_month, reverse=True)
        ]
        names = self._lexicon.normalise([s.name for s in skills] + [t for e in experiences for t in e.skills])
        text = " ".join([profile.summary or "", *(" ".join(r.bullets) for r in roles)])
        sections = {"experience"} if roles else set()
        sections |= {"summary"} if profile.summary else set()
        sections |= {"skills"} if names else set()
        sections |= {"education"} if education else set()
        facts = ResumeFacts(
            name=profile.full_name,
            email=profile.email,
            phone=profile.phone,
            summary=profile.enhanced_summary or profile.summary,
            roles=roles,
            skills=names,
            education=len(education),
            certifications=[c.name for c in certifications],
            projects=len(projects),
            words=len(text.split()),
            sections=frozenset(sections),
        )
        stamps = [str(profile.updated_at)] + [
            f"{row.id}:{row.updated_at}"
            for rows in (experiences, projects, skills, education, certifications)
            for row in rows
        ]
        return facts, _hash(stamps)

    # Matches

    async def match(self, user: User, resume_id: str, job_id: str, refresh: bool = False) -> tuple[Analysis, bool]:
        """The resume×job match, stored as an analysis; the stored one while its inputs are unchanged
        and it has not expired (unless `refresh`). Returns the analysis and whether it was cached."""
        resume = await self._resume(user, resume_id)
        try:
            job = await self._jobs.get(user, job_id)
        except NotFound as exc:
            raise NotFound(exc.message, field="job_id") from exc
        inputs = self._match_inputs(resume, job)
        now = utcnow()
        if not refresh:
            async with self._sessions() as session:
                cached = await AnalysisRepository(session).fresh(user.id, resume.id, job.id, inputs, now)
            if cached is not None:
                return cached, True
        report = await self.resume_report(resume, job)
        analysis = Analysis(
            user_id=user.id,
            resume_id=resume.id,
            job_id=job.id,
            inputs_hash=inputs,
            match_percentage=report.percentage,
            recommendation_level=report.level,
            result=encode(report),
            created_at=now,
            expires_at=now + self._settings.match_ttl,
        )
        async with transaction(self._sessions) as session:
            AnalysisRepository(session).add(analysis)
        return analysis, False

    async def resume_report(self, resume: Resume, job: Job) -> MatchReport:
        """The match of a stored resume and a job, computed (never read from or written to history)."""
        (report,) = await self._reports(*await self._view(resume), [job])
        return report

    async def text_report(self, text: str, parsed: ParsedResume, job: Job) -> MatchReport:
        """The match of resume text that is not stored (e.g. an improved draft) and a job."""
        read = await cpu.run_sized(len(text), read_for_matching, text, parsed, _hash(text), self._lexicon)
        (report,) = await self._reports(*read, [job])
        return report

    async def compare(self, user: User, resume_id: str, job_ids: list[str], limit: int) -> list[JobMatch]:
        """One resume against many jobs, best first: resume read once, embeddings batched and cached."""
        if not 1 <= len(job_ids) <= MAX_COMPARE:
            raise BadInput(f"job_ids must name between 1 and {MAX_COMPARE} jobs", field="job_ids")
        if not 1 <= limit <= MAX_COMPARE:
            raise BadInput(f"limit must be between 1 and {MAX_COMPARE}", field="limit")
        resume = await self._resume(user, resume_id)
        found = await self._jobs.many(user, job_ids)
        missing = [job_id for job_id in dict.fromkeys(job_ids) if job_id not in found]
        if missing:
            raise NotFound(f"No such job: {missing[0]}", field="job_ids")
        jobs = [found[job_id] for job_id in dict.fromkeys(job_ids)]  # ties keep the order asked for
        reports = await self._reports(*await self._view(resume), jobs)
        ranked = sorted(zip(jobs, reports, strict=True), key=lambda pair: -pair[1].percentage)
        return [JobMatch(job, report, None) for job, report in ranked[:limit]]

    async def recommended(
        self, user: User, resume_id: str, limit: int, location: str | None, level: str | None
    ) -> list[JobMatch]:
        """Candidates by vector search (the public board, and your own jobs scored exactly), filtered,
        then rescored with the full match and returned best first."""
        if not 1 <= limit <= MAX_LIMIT:
            raise BadInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        resume = await self._resume(user, resume_id)
        view, found = await self._view(resume)
        vector = await self._embedder.encode_one(view.history)
        wanted = min(400, limit * (10 if location or level else 3))
        public = await self._index.search("jobs_public", vector, wanted)
        own = await self._index.score_owned("jobs_private", vector, user.id, wanted)
        best: dict[str, float] = {}
        for hit in [*public, *own]:  # a job whose visibility just changed may sit in both collections
            best[hit.id] = max(hit.score, best.get(hit.id, -1.0))
        hits = sorted(best.items(), key=lambda pair: -pair[1])
        jobs_by_id = await self._jobs.many(user, [job_id for job_id, _ in hits])
        candidates = []
        for job_id, _ in hits:
            job = jobs_by_id.get(job_id)
            if job is None:
                continue  # deleted or made private since it was indexed
            if location and location.casefold() not in (job.location or "").casefold():
                continue
            if level and (job.level or "").upper() != level.upper():
                continue
            candidates.append(job)
        candidates = candidates[: limit * 3]
        reports = await self._reports(view, found, candidates)
        ranked = sorted(zip(candidates, reports, strict=True), key=lambda pair: -pair[1].percentage)
        return [JobMatch(job, report, None) for job, report in ranked[:limit]]

    async def page(self, user: User, keys: Keyset, *, job_id: str | None, resume_id: str | None) -> Page[Analysis]:
        async with self._sessions() as session:
            rows, total = await AnalysisRepository(session).page(user.id, keys, job_id=job_id, resume_id=resume_id)
        return page_of(rows, total, keys)

    async def counts(self, user: User, job_ids: list[str]) -> dict[str, int]:
        async with self._sessions() as session:
            return await AnalysisRepository(session).counts_by_job(user.id, job_ids)

    # Clusters

    async def clusters(self, user: User, k: int) -> list[Cluster]:
        if not 2 <= k <= 20:
            raise BadInput("k must be between 2 and 20", field="k")
        jobs = await self._jobs.newest_visible(user, MAX_CLUSTER_JOBS)
        if len(jobs) < k:
            raise BadInput(f"You can see {len(jobs)} job(s): k must not exceed that", field="k")
        vectors = await self._embedder.encode([job_document(job) for job in jobs])
        assignment = await cpu.run(kmeans, vectors, k)
        clusters = []
        for index in range(k):
            members = [job for job, a in zip(jobs, assignment, strict=True) if a == index]
            if members:
                keywords = label(members)
                clusters.append(Cluster(" / ".join(keywords[:3]) or "misc", keywords, members))
        return sorted(clusters, key=lambda c: -len(c.jobs))

    # The shared computation

    def _match_inputs(self, resume: Resume, job: Job) -> str:
        s = self._settings
        return _hash(
            FORMULA,
            resume.content_hash,
            job.content_hash,
            job.updated_at,
            s.skills_weight,
            s.experience_weight,
            s.semantic_threshold,
            self._embedder.model_name,
            this_month().isoformat(),  # experience years grow month by month
        )

    async def _reports(self, view: ResumeView, found: dict[str, SkillMatch], jobs: list[Job]) -> list[MatchReport]:
        """Match reports for many jobs with one batch of embeddings: the work history, every job's
        document, and the skill names semantic matching compares."""
        if not jobs:
            return []
        terms = [job_terms(job) for job in jobs]
        unmatched = await cpu.run_sized(len(view.text) * len(terms), unmatched_terms, view.text, found, terms)
        texts = [view.history, *(job_document(job) for job in jobs), *view.terms, *unmatched]
        vectors = await self._embedder.encode(texts)
        history, job_vectors = vectors[0], vectors[1 : 1 + len(jobs)]
        term_vectors = vectors[1 + len(jobs) : 1 + len(jobs) + len(view.terms)]
        skill_vectors = vectors[1 + len(jobs) + len(view.terms) :]
        closest: dict[str, tuple[str, float]] = {}
        if len(view.terms) and len(unmatched):
            similarity = skill_vectors @ term_vectors.T
            for row, skill in enumerate(unmatched):
                best = int(np.argmax(similarity[row]))
                if similarity[row, best] >= self._settings.semantic_threshold:
                    closest[skill] = (view.terms[best], float(similarity[row, best]))
        similarities = [float(value) for value in job_vectors @ history]
        years = years_of(view.facts.roles)
        reports: list[MatchReport] = []
        for start in range(0, len(terms), MATCH_CHUNK):  # a chunk per worker call: other requests get turns
            reports += await cpu.run_sized(
                len(view.text) * len(terms[start : start + MATCH_CHUNK]),
                match_many,
                view.text,
                terms[start : start + MATCH_CHUNK],
                similarities[start : start + MATCH_CHUNK],
                years=years,
                semantic=closest,
                lexicon=self._lexicon,
                found=found,
                skills_weight=self._settings.skills_weight,
                experience_weight=self._settings.experience_weight,
            )
        return reports


def analysis_report(analysis: Analysis) -> MatchReport:
    """The match an analysis stored (rows of every version read)."""
    return decode(MatchReport, analysis.result)
