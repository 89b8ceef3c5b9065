"""The ranking service: a profile's experiences and projects ordered for a job, cached per user and job
while the inputs are unchanged; the formulas live in `domain.ranking.relevance`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import cpu
from domain.ai.embeddings import Embedder
from domain.ai.llm import LLMMetadata, LLMProvider, RankCandidate
from domain.errors import NextStep, NotFound, PreconditionFailed
from domain.indexing import item_document, job_document
from domain.jobs import JobService, job_brief, keyword_weights
from domain.profiles import ProfileService
from domain.ranking.relevance import emphasised, keyword_overlaps, recency, relevance
from domain.ranking.results import RankedItem, RankingResult, ranking_result
from domain.skills import Lexicon
from domain.validation import MAX_CUSTOM_PROMPT, clean_text
from domain.wording import rank_rationale
from storage.accounts import User
from storage.codec import encode
from storage.db import transaction
from storage.jobs import Job
from storage.profiles import Experience, Profile
from storage.ranking import Ranking, RankingRepository


@dataclass(frozen=True, slots=True)
class RankOutcome:
    """The ranking, and the inputs it was read or made from (callers build on them without reloading)."""

    ranking: Ranking
    cached: bool
    job: Job
    profile: Profile
    items: dict[str, Any]  # experiences and projects by id
    result: RankingResult  # the ranking's stored results, read


class RankingService:
    """Rank the profile's experiences and projects for a job; cached per user and job while the
    inputs (profile items, job, prompt) are unchanged."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        profiles: ProfileService,
        jobs: JobService,
        embedder: Embedder,
        llm: LLMProvider,
        lexicon: Lexicon,
    ) -> None:
        self._sessions = sessions
        self._profiles = profiles
        self._jobs = jobs
        self._embedder = embedder
        self._llm = llm
        self._lexicon = lexicon

    async def rank(self, user: User, job_id: str, custom_prompt: str | None, force: bool) -> RankOutcome:
        """The stored ranking while the profile items, the job and the prompt are unchanged (unless
        `force`); else a fresh one, which the LLM may re-order and explain."""
        prompt = clean_text(custom_prompt, "custom_prompt", max_length=MAX_CUSTOM_PROMPT)
        return await self._ranked(user, job_id, prompt, force=force, any_prompt=False, use_llm=True)

    async def for_generation(self, user: User, job_id: str) -> RankOutcome:
        """What generation builds on: the stored ranking while the profile items and the job are
        unchanged, whatever prompt made it; else one computed here without a model call."""
        return await self._ranked(user, job_id, None, force=False, any_prompt=True, use_llm=False)

    async def _ranked(
        self, user: User, job_id: str, prompt: str | None, *, force: bool, any_prompt: bool, use_llm: bool
    ) -> RankOutcome:
        job = await self._jobs.get(user, job_id)
        profile = await self._profiles.profile(user)
        items: list[Any] = []
        if profile is not None:
            experiences, projects = await self._profiles.sections(profile.id, ("experiences", "projects"))
            items = [*experiences, *projects]
        if profile is None or not items:
            raise PreconditionFailed("Add experiences or projects to your profile before ranking")
        by_id = {item.id: item for item in items}
        documents = [item_document(item) for item in items]
        inputs = hashlib.sha256(
            "\x00".join(
                [job.content_hash, str(job.updated_at), *documents, *(f"{i.id}:{i.updated_at}" for i in items)]
            ).encode()
        ).hexdigest()
        if not force:
            async with self._sessions() as session:
                cached = await RankingRepository(session).for_job(user.id, job.id)
            if cached is not None and cached.inputs_hash == inputs and (any_prompt or cached.custom_prompt == prompt):
                return RankOutcome(cached, True, job, profile, by_id, ranking_result(cached))
        weights = emphasised(keyword_weights(job), prompt, self._lexicon)
        vectors = await self._embedder.encode([job_document(job), *documents])
        job_vector, item_vectors = vectors[0], vectors[1:]
        kinds = ["experience" if isinstance(item, Experience) else "project" for item in items]
        skills = [list(i.skills if k == "experience" else i.technologies) for i, k in zip(items, kinds, strict=True)]
        pairs = list(zip(documents, skills, strict=True))
        overlaps = await cpu.run_sized(sum(map(len, documents)), keyword_overlaps, pairs, weights, self._lexicon)
        candidates = []
        for item, kind, document, vector, (overlap, matched) in zip(
            items, kinds, documents, item_vectors, overlaps, strict=True
        ):
            end = item.end_month if kind == "experience" else item.end_month or item.start_month
            score = relevance(float(vector @ job_vector), overlap, recency(end))
            title = f"{item.title} at {item.company}" if kind == "experience" else item.name
            candidates.append(RankCandidate(item.id, kind, title, document, score, matched))
        brief = job_brief(job, weights=weights)
        if use_llm:
            result = await self._llm.rank_items(candidates, brief, prompt)
            candidate_by_id = {c.id: c for c in candidates}
            ordered = [candidate_by_id[i] for i in result.order if i in candidate_by_id]
            rationale, metadata = result.rationale, result.metadata
        else:
            ordered = sorted(candidates, key=lambda c: -c.score)
            rationale, metadata = rank_rationale(ordered, brief), LLMMetadata(provider="none", model="none")
        keyword_matches: dict[str, int] = {}
        for candidate in ordered:
            for term in candidate.matched:
                if term in job.skills:
                    keyword_matches[term] = keyword_matches.get(term, 0) + 1
        ranked = [RankedItem(c.id, c.kind, c.score, c.matched) for c in ordered]
        stored = RankingResult(ranked, keyword_matches, metadata)
        values = {
            "inputs_hash": inputs,
            "custom_prompt": prompt,
            "items": encode(stored.items),
            "rationale": rationale,
            "keyword_matches": encode(stored.keyword_matches),
            "llm_metadata": encode(stored.llm_metadata),
            "status": "COMPLETED",
        }
        async with transaction(self._sessions) as session:
            ranking = await RankingRepository(session).save(user.id, job.id, values)
        return RankOutcome(ranking, False, job, profile, by_id, stored)

    async def get(self, user: User, job_id: str) -> Ranking:
        job = await self._jobs.get(user, job_id)
        async with self._sessions() as session:
            ranking = await RankingRepository(session).for_job(user.id, job.id)
        if ranking is None:
            raise NotFound("This job has not been ranked yet", field="job_id", next_step=NextStep.RANK)
        return ranking
