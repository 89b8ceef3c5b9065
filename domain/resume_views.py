"""A resume read for matching (its text, facts, work history and skills) and the matching work done on
it in the CPU pool: pure functions of plain values, so that `domain/analyses.py` sends them to a worker
process (domain/cpu.py) when the text is long."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.documents.resume_parsing import ParsedResume
from domain.errors import BadInput
from domain.matching import JobTerms, MatchReport, job_targets, locate, match, skill_index
from domain.months import parse_month
from domain.scoring import ResumeFacts, Role
from domain.skills import Lexicon, SkillMatch

_HEADING_LINE = r"^[^\S\n]*+({})[^\S\n]*+:?[^\S\n]*+$"  # blanks are spaces and tabs: linear, not `^\s*` (re.M)
_SECTION_HEADINGS = {
    "summary": re.compile(
        _HEADING_LINE.format("summary|professional summary|profile|about( me)?|objective"), re.I | re.M
    ),
    "experience": re.compile(
        _HEADING_LINE.format("experience|work experience|work history|professional experience|employment"), re.I | re.M
    ),
    "skills": re.compile(_HEADING_LINE.format("skills|technical skills|core skills|technologies"), re.I | re.M),
    "education": re.compile(_HEADING_LINE.format("education|academic background"), re.I | re.M),
}


@dataclass(frozen=True, slots=True)
class ResumeView:
    """A resume (or the profile as one) ready to match: its text, facts and work history."""

    text: str
    facts: ResumeFacts
    history: str
    terms: list[str]  # its skills, for semantic matching
    fingerprint: str


def _month(text: str | None) -> date | None:
    try:
        return parse_month(text, "month") if text else None
    except BadInput:
        return None


def text_view(text: str, parsed: ParsedResume, fingerprint: str, lexicon: Lexicon) -> ResumeView:
    """Any resume text with its parsed structure (as `parse_resume` gives it), read for matching."""
    roles = [
        Role(
            title=e.title or "",
            company=e.company,
            start=_month(e.start),
            end=_month(e.end),
            current=bool(e.current),
            bullets=list(e.bullets),
        )
        for e in parsed.experiences
    ]
    skills = lexicon.normalise([*parsed.skills, *lexicon.skills_in(text)])
    facts = ResumeFacts(
        name=parsed.name,
        email=parsed.email,
        phone=parsed.phone,
        summary=parsed.summary,
        roles=roles,
        skills=skills,
        education=len(parsed.education),
        certifications=[c.name for c in parsed.certifications if c.name],
        projects=len(parsed.projects),
        words=len(text.split()),
        sections=frozenset(name for name, pattern in _SECTION_HEADINGS.items() if pattern.search(text)),
    )
    history = "\n".join(f"{r.title} {r.company or ''}. " + " ".join(r.bullets) for r in roles) or text[:4000]
    return ResumeView(text, facts, history, skills, fingerprint)


def read_for_matching(
    text: str, parsed: ParsedResume, fingerprint: str, lexicon: Lexicon
) -> tuple[ResumeView, dict[str, SkillMatch]]:
    """Resume text read for matching, with where it names each skill (run in the CPU pool)."""
    view = text_view(text, parsed, fingerprint, lexicon)
    return view, skill_index(view.text, lexicon)


def unmatched_terms(text: str, found: dict[str, SkillMatch], terms: list[JobTerms]) -> list[str]:
    """The jobs' skills and keywords the text never names: what semantic matching compares."""
    memo: dict[str, tuple[str, str, int] | None] = {}
    return sorted({t for jt in terms for t in job_targets(jt) if locate(t, text, found, memo) is None})


def match_many(
    text: str,
    terms: list[JobTerms],
    similarities: list[float],
    *,
    years: float,
    semantic: dict[str, tuple[str, float]],
    lexicon: Lexicon,
    found: dict[str, SkillMatch],
    skills_weight: float,
    experience_weight: float,
) -> list[MatchReport]:
    """One text against several jobs (run in the CPU pool); where the text names each term is found once."""
    memo: dict[str, tuple[str, str, int] | None] = {}
    return [
        match(
            text,
            jt,
            years=years,
            history_similarity=similarity,
            semantic=semantic,
            lexicon=lexicon,
            found=found,
            memo=memo,
            skills_weight=skills_weight,
            experience_weight=experience_weight,
        )
        for jt, similarity in zip(terms, similarities, strict=True)
    ]
