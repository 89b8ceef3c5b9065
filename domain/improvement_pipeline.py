"""The improvement pipeline's work, stage by stage: read the resume and the job, find their keywords,
score the resume, ask for suggestions, rewrite its sections with its own facts, score the result.

It only computes; `domain/improvements.py` decides who runs it, publishes its progress and stores what it
returns. The rewrite never adds what the resume does not show: a job keyword the resume lacks becomes a
suggestion ("add it if you have used it"), never an invented line.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from domain.ai.llm import JobBrief, LLMMetadata, LLMProvider, Suggestion, TextResult
from domain.ai.truthfulness import TruthChecker
from domain.analyses import AnalysisService
from domain.ats import RESUME_SECTIONS, resume_report
from domain.documents.resume_parsing import ParsedResume, ResumeSection, parse_resume, split_sections
from domain.errors import JobParsingFailed, KeywordExtractionFailed, ResumeParsingFailed
from domain.generation_text import ats_terms
from domain.job_parsing import parse_job
from domain.jobs import job_brief, keyword_weights
from domain.matching import MatchReport
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
REWRITTEN = ("summary", "experience", "projects")
PRIORITY = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
MAX_KEYWORD_SUGGESTIONS = 5
_BULLET = re.compile(r"^\s*(?:[-*•·◦▪‣]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^(\s*[^,:]{1,30}:\s*)(.*)$")

Emit = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PipelineResult:
    original_score: float
    improved_score: float
    result: dict[str, Any]  # what the API shows, as stored


def _body(section: ResumeSection) -> str:
    return "\n".join(section.lines).strip("\n")


def _with_body(section: ResumeSection, body: str) -> list[str]:
    """The section's lines with its text replaced and its surrounding blank lines kept."""
    filled = [i for i, line in enumerate(section.lines) if line.strip()]
    if not filled:
        return list(section.lines)
    return section.lines[: filled[0]] + body.split("\n") + section.lines[filled[-1] + 1 :]


def _text(sections: list[ResumeSection]) -> str:
    lines: list[str] = []
    for section in sections:
        if section.heading is not None:
            lines.append(section.heading)
        lines.extend(section.lines)
    return "\n".join(lines)


def skills_first(lines: list[str], job_skills: list[str], lexicon: Lexicon) -> list[str]:
    """Comma-separated skill lines reordered so the job's skills (in the job's order) lead; nothing added
    or dropped, and lines that are not lists are left alone."""
    wanted = {skill: rank for rank, skill in enumerate(job_skills)}
    ordered = []
    for line in lines:
        label, items_text = ("", line)
        if match := _LABEL.match(line):
            label, items_text = match.group(1), match.group(2)
        items = [item.strip() for item in items_text.split(",")]
        if len(items) < 2 or not all(items):
            ordered.append(line)
            continue

        def rank(item: str) -> int:
            names = lexicon.normalise([item])
            return min((wanted[name] for name in names if name in wanted), default=len(wanted))

        ordered.append(label + ", ".join(sorted(items, key=rank)))  # stable: the rest keep their order
    return ordered


def ats_score(text: str, parsed: ParsedResume, job: Job, lexicon: Lexicon) -> float:
    sections = {s.kind for s in split_sections(text) if s.heading is not None}
    if parsed.email or parsed.phone:
        sections.add("contact")
    bullets = [_BULLET.sub("", line).strip() for line in text.splitlines() if _BULLET.match(line)]
    report = resume_report(
        text,
        bullets=bullets,
        sections=sections,
        expected_sections=RESUME_SECTIONS,
        skills=ats_terms(job),
        weights=keyword_weights(job),
        lexicon=lexicon,
    )
    return report.score


def section_diff(before: ResumeSection, after: ResumeSection, notes: list[str]) -> dict[str, Any]:
    original, improved = _body(before), _body(after)
    changes = list(difflib.ndiff(original.splitlines(), improved.splitlines()))
    return {
        "section": before.kind,
        "heading": before.heading,
        "original": original,
        "improved": improved,
        "changed": original != improved,
        "added": [line[2:] for line in changes if line.startswith("+ ") and line[2:].strip()],
        "removed": [line[2:] for line in changes if line.startswith("- ") and line[2:].strip()],
        "notes": notes,
    }


def keyword_suggestions(
    suggestions: list[Suggestion], missing: list[str], job: JobBrief, limit: int = MAX_KEYWORD_SUGGESTIONS
) -> list[Suggestion]:
    """The suggestions with one for each missing keyword they do not already name: the rewrite could not
    add it honestly, so the person is asked to, if it is true."""
    named = " ".join(s.text for s in suggestions).lower()
    added = [
        Suggestion(
            text=f"If you have used {skill}, say where and how in your experience and list it in your skills.",
            reasoning=f"The posting asks for {skill} and the resume never shows it, so the rewrite did not add it.",
            priority="HIGH" if job.keywords.get(skill, 0.5) >= 0.8 else "MEDIUM",
            expected_impact="Raises the keyword and skills match, if it is true.",
            section="skills",
        )
        for skill in missing[:limit]
        if skill.lower() not in named
    ]
    return sorted([*suggestions, *added], key=lambda s: PRIORITY.get(s.priority, 1))


def honest_notes(notes: list[str], job_skills: list[str], missing: list[str]) -> list[str]:
    """A section's notes, less those about a skill the resume shows in another section."""
    absent = {skill.lower() for skill in missing}
    kept = []
    for note in notes:
        named = [skill.lower() for skill in job_skills if skill.lower() in note.lower()]
        if not named or any(skill in absent for skill in named):
            kept.append(note)
    return kept


def combined(metadata: list[LLMMetadata]) -> dict[str, Any]:
    """One record for the several calls a run makes: tokens and latency summed."""
    return {
        "provider": metadata[0].provider,
        "model": ", ".join(dict.fromkeys(m.model for m in metadata)),
        "prompt_tokens": sum(m.prompt_tokens for m in metadata),
        "completion_tokens": sum(m.completion_tokens for m in metadata),
        "total_tokens": sum(m.total_tokens for m in metadata),
        "latency_ms": round(sum(m.latency_ms for m in metadata), 3),
    }


def _score_parts(report: MatchReport) -> dict[str, float]:
    return {"percentage": report.percentage, **report.breakdown}


def resume_facts_only(result: TextResult, resume_text: str, checker: TruthChecker) -> TextResult:
    """The rewrite without any claim the resume itself does not make. The provider's own check allows
    the job's terms too (fine for a cover letter); a resume may not gain a skill from the posting."""
    text, warnings = checker.strip_unsupported(result.text, [resume_text])
    return replace(result, text=text, warnings=[*result.warnings, *warnings])


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
    """Every stage after LOAD, announcing each through `emit` before it starts."""
    await emit("PARSE")
    try:
        parsed = parse_resume(resume.text, lexicon)
    except ResumeParsingFailed as exc:
        raise ResumeParsingFailed(f"The resume could not be read: {exc.message}", field="resumeId") from exc
    try:
        parse_job(job.raw_text, lexicon)
    except JobParsingFailed as exc:
        raise JobParsingFailed(f"The job could not be read: {exc.message}", field="jobId") from exc

    await emit("RESUME_KEYWORDS")
    if not lexicon.normalise([*parsed.skills, *lexicon.skills_in(resume.text)]):
        raise KeywordExtractionFailed(
            "No keywords could be extracted from the resume: it names no skill or tool Tailor knows",
            field="resumeId",
        )
    await emit("JOB_KEYWORDS")
    if not (job.skills or job.keywords):
        raise KeywordExtractionFailed("No keywords could be extracted from the job posting", field="jobId")

    await emit("SCORE_BEFORE")
    before = await analyses.resume_report(resume, job)
    ats_before = ats_score(resume.text, parsed, job, lexicon)

    await emit("SUGGEST")
    brief = job_brief(job)
    suggested = await llm.suggest_improvements(resume.text, brief)

    await emit("REWRITE")
    sections = split_sections(resume.text)
    targets = [s for s in sections if s.kind in REWRITTEN and _body(s).strip()]
    rewrites = [
        resume_facts_only(result, resume.text, checker)
        for result in await asyncio.gather(*(llm.rewrite_section(s.kind, _body(s), brief) for s in targets))
    ]
    by_section = {id(s): r for s, r in zip(targets, rewrites, strict=True)}
    warnings = [w for r in rewrites for w in r.warnings]
    improved_sections, diff = [], []
    for section in sections:
        result = by_section.get(id(section))
        lines = list(section.lines)
        if result is not None and result.text.strip():
            lines = _with_body(section, result.text.strip("\n"))
        elif result is not None:
            warnings.append(f"The {section.kind} section could not be rewritten truthfully and is unchanged.")
        elif section.kind == "skills":
            lines = skills_first(section.lines, list(job.skills), lexicon)
        improved = ResumeSection(section.kind, section.heading, lines)
        improved_sections.append(improved)
        if section.heading is not None or _body(section):
            notes = honest_notes(result.notes, list(job.skills), before.missing_skills) if result is not None else []
            diff.append(section_diff(section, improved, notes))
    improved_text = _text(improved_sections)

    await emit("SCORE_AFTER")
    try:
        improved_parsed = parse_resume(improved_text, lexicon)
    except ResumeParsingFailed:
        improved_parsed = parsed  # the rewrite kept every heading and role line; this is a safety net
    after = await analyses.text_report(improved_text, asdict(improved_parsed), job)
    ats_after = ats_score(improved_text, improved_parsed, job, lexicon)

    suggestions = keyword_suggestions(suggested.suggestions, before.missing_skills, brief)
    return PipelineResult(
        original_score=before.percentage,
        improved_score=after.percentage,
        result={
            "matchedKeywords": before.matched_skills,
            "semanticKeywords": before.semantic_skills,
            "missingKeywords": before.missing_skills,
            "original": _score_parts(before),
            "improved": _score_parts(after),
            "originalAtsScore": ats_before,
            "improvedAtsScore": ats_after,
            "suggestions": [asdict(s) for s in suggestions],
            "improvedResumeText": improved_text,
            "diff": diff,
            "warnings": warnings,
            "llmMetadata": combined([suggested.metadata, *(r.metadata for r in rewrites)]),
        },
    )
