"""The improvement pipeline's work, stage by stage: read the resume and the job, find their keywords,
score the resume, ask for suggestions, rewrite its sections with its own facts, score the result.

It only computes; `domain/improvements/service.py` decides who runs it, publishes its progress and stores what it
returns. The rewrite never adds what the resume does not show: a job keyword the resume lacks becomes a
suggestion ("add it if you have used it"), never an invented line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain import cpu
from domain.ai.llm import LLMProvider
from domain.ai.truthfulness import TruthChecker
from domain.analyses import AnalysisService
from domain.errors import KeywordExtractionFailed
from domain.generations.text import ats_terms
from domain.improvements import text
from domain.improvements.results import ImprovementResult, ScoreParts
from domain.improvements.text import JobTerms
from domain.jobs import job_brief, keyword_weights
from domain.skills import Lexicon
from storage.jobs import Job
from storage.resumes import Resume

# Each stage: its progress when it starts (rising to 1.0 at DONE) and what the person is told.
STAGES: dict[str, tuple[float, str]] = {
    "LOAD": (0.05, "Loading the resume and the job"),
    "PARSE": (0.12, "Reading the resume and the job"),
    "RESUME_KEYWORDS": (0.2, "Finding the resume's keywords"),
    "JOB_KEYWORDS": (0.28, "Finding the job's keywords"),
    "SCORE_BEFORE": (0.36, "Scoring the resume against the job"),
    "SUGGEST": (0.48, "Writing suggestions"),
    "REWRITE": (0.62, "Rewriting sections with the resume's own facts"),
    "SCORE_AFTER": (0.82, "Scoring the improved resume"),
    "SAVE": (0.92, "Saving the improvement"),
    "DONE": (1.0, "Done"),
}
Emit = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PipelineResult:
    original_score: float
    improved_score: float
    result: ImprovementResult


def job_terms(job: Job) -> JobTerms:
    return JobTerms(
        job.raw_text, list(job.skills), bool(job.skills or job.keywords), ats_terms(job), keyword_weights(job)
    )


async def run_pipeline(
    resume: Resume,
    job: Job,
    *,
    llm: LLMProvider,
    lexicon: Lexicon,
    checker: TruthChecker,
    analyses: AnalysisService,
    emit: Emit,
) -> PipelineResult:
    """Every stage after LOAD, announcing each through `emit` before it starts; the text work runs in
    the CPU pool (domain/improvements/text.py), so a long resume never stalls other requests."""
    terms = job_terms(job)
    await emit("PARSE")
    reading = await cpu.run(text.read, resume.text, terms, lexicon)
    await emit("RESUME_KEYWORDS")
    if not reading.has_keywords:
        raise KeywordExtractionFailed(
            "No keywords could be extracted from the resume: it names no skill or tool Tailor knows",
            field="resume_id",
        )
    await emit("JOB_KEYWORDS")
    if not terms.has_keywords:
        raise KeywordExtractionFailed("No keywords could be extracted from the job posting", field="job_id")

    await emit("SCORE_BEFORE")
    before = await analyses.resume_report(resume, job)

    await emit("SUGGEST")
    brief = job_brief(job)
    suggested = await llm.suggest_improvements(resume.text, brief)

    await emit("REWRITE")
    targets = text.rewrite_targets(reading.sections)
    results = await asyncio.gather(
        *(llm.rewrite_section(reading.sections[i].kind, text.section_text(reading.sections[i]), brief) for i in targets)
    )

    await emit("SCORE_AFTER")
    assembled = await cpu.run(
        text.assemble,
        resume.text,
        reading,
        dict(zip(targets, results, strict=True)),
        terms,
        before.missing_skills,
        lexicon,
        checker,
    )
    after = await analyses.text_report(assembled.text, assembled.parsed, job)

    suggestions = text.keyword_suggestions(suggested.suggestions, before.missing_skills, brief)
    return PipelineResult(
        original_score=before.percentage,
        improved_score=after.percentage,
        result=ImprovementResult(
            matched_keywords=before.matched_skills,
            semantic_keywords=before.semantic_skills,
            missing_keywords=before.missing_skills,
            original=ScoreParts.from_report(before),
            improved=ScoreParts.from_report(after),
            original_ats_score=reading.ats_score,
            improved_ats_score=assembled.ats_score,
            suggestions=suggestions,
            improved_resume_text=assembled.text,
            diff=assembled.diff,
            warnings=assembled.warnings,
            llm_metadata=text.combined([suggested.metadata, *(r.metadata for r in assembled.rewrites)]),
        ),
    )
