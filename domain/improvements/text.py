"""The improvement pipeline's computation on text: reading the resume and the job, checking and
assembling the rewritten sections, scoring the result. Pure functions of plain values, so that
`domain/improvements/pipeline.py` runs them in the CPU pool (domain/cpu.py): on a long resume this is
the heaviest work a run does, and on the event loop it stalled every other request."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from domain.ai.llm import JobBrief, LLMMetadata, Suggestion, TextResult
from domain.ai.truthfulness import TruthChecker
from domain.ats import RESUME_SECTIONS, resume_report
from domain.documents.resume_parsing import ParsedResume, ResumeSection, parse_resume, split_sections
from domain.errors import JobParsingFailed, ResumeParsingFailed
from domain.improvements.results import SectionDiff
from domain.job_parsing import parse_job
from domain.skills import Lexicon

REWRITTEN = ("summary", "experience", "projects")
PRIORITY = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
MAX_KEYWORD_SUGGESTIONS = 5
_BULLET = re.compile(r"^\s*(?:[-*•·◦▪‣]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^(\s*[^,:]{1,30}:\s*)(.*)$")


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


def ats_score(text: str, parsed: ParsedResume, terms: JobTerms, lexicon: Lexicon) -> float:
    sections = {s.kind for s in split_sections(text) if s.heading is not None}
    if parsed.email or parsed.phone:
        sections.add("contact")
    bullets = [_BULLET.sub("", line).strip() for line in text.splitlines() if _BULLET.match(line)]
    report = resume_report(
        text,
        bullets=bullets,
        sections=sections,
        expected_sections=RESUME_SECTIONS,
        skills=terms.ats_terms,
        weights=terms.weights,
        lexicon=lexicon,
    )
    return report.score


def section_diff(before: ResumeSection, after: ResumeSection, notes: list[str]) -> SectionDiff:
    """What changed, line by line: lines the improved text has that the original lacks (`added`) and
    the reverse (`removed`), each in its text's order, counted as multisets (linear, where a line
    diff's matching is quadratic on a long section)."""
    original, improved = _body(before), _body(after)
    return SectionDiff(
        section=before.kind,
        heading=before.heading,
        original=original,
        improved=improved,
        changed=original != improved,
        added=_only_in(improved.splitlines(), original.splitlines()),
        removed=_only_in(original.splitlines(), improved.splitlines()),
        notes=notes,
    )


def _only_in(lines: list[str], other: list[str]) -> list[str]:
    spare = Counter(other)
    kept = []
    for line in lines:
        if spare[line]:
            spare[line] -= 1
        elif line.strip():
            kept.append(line)
    return kept


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


def combined(metadata: list[LLMMetadata]) -> LLMMetadata:
    """One record for the several calls a run makes: tokens and latency summed."""
    return LLMMetadata(
        provider=metadata[0].provider,
        model=", ".join(dict.fromkeys(m.model for m in metadata)),
        prompt_tokens=sum(m.prompt_tokens for m in metadata),
        completion_tokens=sum(m.completion_tokens for m in metadata),
        total_tokens=sum(m.total_tokens for m in metadata),
        latency_ms=round(sum(m.latency_ms for m in metadata), 3),
    )


def resume_facts_only(result: TextResult, resume_text: str, checker: TruthChecker) -> TextResult:
    """The rewrite without any claim the resume itself does not make. The provider's own check allows
    the job's terms too (fine for a cover letter); a resume may not gain a skill from the posting."""
    text, warnings = checker.strip_unsupported(result.text, [resume_text])
    return replace(result, text=text, warnings=[*result.warnings, *warnings])


@dataclass(frozen=True, slots=True)
class JobTerms:
    """What the pipeline needs of a stored job, as plain values for a worker process."""

    raw_text: str
    skills: list[str]
    has_keywords: bool
    ats_terms: list[str]
    weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class Reading:
    parsed: ParsedResume
    sections: list[ResumeSection]
    has_keywords: bool  # the resume names a skill or tool the lexicon knows
    ats_score: float


@dataclass(frozen=True, slots=True)
class Assembled:
    text: str
    parsed: ParsedResume
    ats_score: float
    diff: list[SectionDiff]
    warnings: list[str]
    rewrites: list[TextResult]


def read(resume_text: str, job: JobTerms, lexicon: Lexicon) -> Reading:
    """PARSE, the keywords the next stages check, and the ATS half of SCORE_BEFORE, in one worker call."""
    try:
        parsed = parse_resume(resume_text, lexicon)
    except ResumeParsingFailed as exc:
        raise ResumeParsingFailed(f"The resume could not be read: {exc.message}", field="resume_id") from exc
    try:
        parse_job(job.raw_text, lexicon)
    except JobParsingFailed as exc:
        raise JobParsingFailed(f"The job could not be read: {exc.message}", field="job_id") from exc
    has_keywords = bool(lexicon.normalise([*parsed.skills, *lexicon.skills_in(resume_text)]))
    return Reading(parsed, split_sections(resume_text), has_keywords, ats_score(resume_text, parsed, job, lexicon))


def rewrite_targets(sections: list[ResumeSection]) -> list[int]:
    """The positions of the sections the provider rewrites."""
    return [i for i, s in enumerate(sections) if s.kind in REWRITTEN and _body(s).strip()]


def section_text(section: ResumeSection) -> str:
    return _body(section)


def assemble(
    resume_text: str,
    reading: Reading,
    results: dict[int, TextResult],
    job: JobTerms,
    missing: list[str],
    lexicon: Lexicon,
    checker: TruthChecker,
) -> Assembled:
    """REWRITE's checks and SCORE_AFTER's reading: each rewrite cut to the resume's own claims, the
    sections put back together (the skills line reordered for the job), the diff, the ATS score after."""
    checked = {i: resume_facts_only(result, resume_text, checker) for i, result in results.items()}
    warnings = [w for i in sorted(checked) for w in checked[i].warnings]
    improved_sections, diff = [], []
    for index, section in enumerate(reading.sections):
        result = checked.get(index)
        lines = list(section.lines)
        if result is not None and result.text.strip():
            lines = _with_body(section, result.text.strip("\n"))
        elif result is not None:
            warnings.append(f"The {section.kind} section could not be rewritten truthfully and is unchanged.")
        elif section.kind == "skills":
            lines = skills_first(section.lines, job.skills, lexicon)
        improved = ResumeSection(section.kind, section.heading, lines)
        improved_sections.append(improved)
        if section.heading is not None or _body(section):
            notes = honest_notes(result.notes, job.skills, missing) if result is not None else []
            diff.append(section_diff(section, improved, notes))
    text = _text(improved_sections)
    try:
        parsed = parse_resume(text, lexicon)
    except ResumeParsingFailed:
        parsed = reading.parsed  # the rewrite kept every heading and role line; this is a safety net
    return Assembled(
        text, parsed, ats_score(text, parsed, job, lexicon), diff, warnings, [checked[i] for i in sorted(checked)]
    )
