"""How well a resume fits a job: a 0–100 match, a recommendation level, three parts and the evidence.
Pure: the resume's text and facts, the job's terms, and similarities computed by the caller, in; a
report out.

- skills (0–100): the job's skills by weight; a skill the resume names (exactly or by an alias the
  lexicon knows) counts fully, one only semantically close to a resume term (embedding similarity at
  or above the threshold) counts half. Without listed skills the job's heaviest keywords stand in.
- experience (0–100): 60 × the work history's similarity to the posting, scaled from 0.15 (nothing in
  common) to 0.55 (the same kind of work), + 40 × min(1, years / years required) (full without a
  requirement).
- requirements (0–100, shown, not in the total): share of the posting's requirements the resume
  speaks to (a skill they name, or half their significant words).
- total = skills weight × skills + experience weight × experience (0.65 / 0.35 by default; weights
  are read as proportions). A job with nothing to measure skills on is matched on experience alone.
- level: EXCELLENT ≥ 75, GOOD ≥ 60, FAIR ≥ 45, else WEAK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from domain.skills import Lexicon, SkillMatch

LEVELS = ((75.0, "EXCELLENT"), (60.0, "GOOD"), (45.0, "FAIR"), (0.0, "WEAK"))
SIMILARITY_FLOOR = 0.15
SIMILARITY_FULL = 0.55
SEMANTIC_CREDIT = 0.5
_STOP = frozenset("with experience years year strong knowledge understanding ability including plus using".split())
_HEADING = re.compile(  # possessive blanks: `\s*:?\s*$` split a run of spaces every way before failing
    r"^\s*+(summary|profile|about|experience|work experience|work history|professional experience|employment|"
    r"projects|skills|technical skills|education|certifications)\s*+:?\s*+$",
    re.I,
)
_WORD = re.compile(r"\w+")
_TERM = re.compile(r"[a-z][a-z+#.-]{3,}+")


@dataclass(frozen=True, slots=True)
class Evidence:
    skill: str
    how: str  # EXACT | ALIAS | SEMANTIC
    found_as: str  # the resume's own words
    section: str | None  # the resume section it appears in
    line: str


@dataclass(frozen=True, slots=True)
class JobTerms:
    title: str | None
    skills: list[str]
    weights: dict[str, float]
    requirements: list[str]
    years_required: float | None


@dataclass(frozen=True, slots=True)
class MatchParts:
    """A match's three parts (0..100), by name: what `MatchReport.breakdown` holds."""

    skills: float
    experience: float
    requirements: float


@dataclass(frozen=True, slots=True)
class MatchReport:
    """A resume×job match; stored as an analysis's result (storage/codec.py)."""

    percentage: float
    level: str
    breakdown: dict[str, float]  # skills, experience, requirements
    matched_skills: list[str]  # exactly or by alias, heaviest first
    semantic_skills: list[str]  # only semantically close
    missing_skills: list[str]  # heaviest first
    evidence: list[Evidence]
    strengths: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)

    @property
    def parts(self) -> MatchParts:
        b = self.breakdown
        return MatchParts(skills=b["skills"], experience=b["experience"], requirements=b["requirements"])


def skill_index(text: str, lexicon: Lexicon) -> dict[str, SkillMatch]:
    """Each skill the text names, at its first occurrence."""
    return {m.skill: m for m in reversed(lexicon.find(text))}


def locate(
    target: str, text: str, found: dict[str, SkillMatch], memo: dict[str, tuple[str, str, int] | None]
) -> tuple[str, str, int] | None:
    """Where the text names a job term: (EXACT | ALIAS, its words, position), or None. A term the lexicon
    knows is found by the lexicon's rules; any other, as a whole word. `memo` keeps answers per text."""
    if target in memo:
        return memo[target]
    hit = found.get(target)
    spot: tuple[str, str, int] | None = None
    if hit is not None:
        spot = ("EXACT" if hit.surface.lower() == target.lower() else "ALIAS", hit.surface, hit.start)
    elif plain := re.search(rf"(?<![\w+#]){re.escape(target)}(?![\w+#])", text, re.IGNORECASE):
        spot = ("EXACT", plain.group(), plain.start())
    memo[target] = spot
    return spot


def level(percentage: float) -> str:
    return next(name for floor, name in LEVELS if percentage >= floor)


def job_targets(job: JobTerms) -> list[str]:
    """What the skills part is measured on: the listed skills, else the heaviest keywords that are not
    words of the title (a "Dog Walker" posting is not asking for "dog")."""
    if job.skills:
        return list(job.skills)
    title = set(_WORD.findall((job.title or "").lower()))
    ranked = sorted(job.weights.items(), key=lambda kv: -kv[1])
    return [t for t, w in ranked if w >= 0.5 and not set(_WORD.findall(t.lower())) <= title][:10]


@lru_cache(maxsize=4096)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern finding any of a job's skills as whole words (compiled once per skill set)."""
    if not names:
        return None
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w+#])(?:{alternation})(?![\w+#])", re.IGNORECASE)


def scaled_similarity(similarity: float) -> float:
    return max(0.0, min(1.0, (similarity - SIMILARITY_FLOOR) / (SIMILARITY_FULL - SIMILARITY_FLOOR)))


def _section_at(text: str, position: int) -> str | None:
    section = None
    for line in text[:position].splitlines():
        if heading := _HEADING.match(line):
            section = heading.group(1).lower()
    return section


def _line_at(text: str, position: int) -> str:
    end = text.find("\n", position)
    return text[text.rfind("\n", 0, position) + 1 : end if end >= 0 else len(text)].strip()


def requirement_met(requirement: str, resume_lower: str, have: set[str], job_skills: list[str]) -> bool:
    """A requirement naming the job's skills is met by any of them; one naming none, by half its words."""
    pattern = _names_pattern(tuple(job_skills))
    by_lower = {s.lower(): s for s in job_skills}
    named = {by_lower[m.group().lower()] for m in pattern.finditer(requirement)} if pattern else set()
    if named:
        return bool(named & have)
    words = [w for w in _TERM.findall(requirement.lower()) if w not in _STOP]
    return bool(words) and sum(w in resume_lower for w in words) / len(words) >= 0.5


def match(
    text: str,
    job: JobTerms,
    *,
    years: float,
    history_similarity: float,
    semantic: dict[str, tuple[str, float]],
    lexicon: Lexicon,
    found: dict[str, SkillMatch] | None = None,
    memo: dict[str, tuple[str, str, int] | None] | None = None,
    skills_weight: float = 0.65,
    experience_weight: float = 0.35,
) -> MatchReport:
    """`semantic`: for job skills the text does not name, the closest resume term and its similarity,
    already filtered by the caller's threshold. `found`: `skill_index(text)`, when matching one resume
    against many jobs."""
    targets = job_targets(job)
    weight = {t: job.weights.get(t, 0.5) for t in targets}
    found = found if found is not None else skill_index(text, lexicon)
    lowered = text.lower()
    evidence: list[Evidence] = []
    matched: list[str] = []
    memo = memo if memo is not None else {}
    for target in targets:
        spot = locate(target, text, found, memo)
        if spot is None:
            continue
        how, surface, start = spot
        evidence.append(Evidence(target, how, surface, _section_at(text, start), _line_at(text, start)))
        matched.append(target)
    close = [t for t in targets if t not in matched and t in semantic]
    for target in close:
        term, similarity = semantic[target]
        evidence.append(Evidence(target, "SEMANTIC", term, None, f"{term} (similarity {similarity:.2f})"))
    missing = [t for t in targets if t not in matched and t not in close]
    total_weight = sum(weight.values())
    skills = (
        100 * (sum(weight[t] for t in matched) + SEMANTIC_CREDIT * sum(weight[t] for t in close)) / total_weight
        if total_weight
        else None  # nothing to measure skills on: the match rests on experience alone
    )
    years_part = min(1.0, years / job.years_required) if job.years_required else 1.0
    experience = 100 * (0.6 * scaled_similarity(history_similarity) + 0.4 * years_part)
    have = set(found) | set(matched)
    met = [r for r in job.requirements if requirement_met(r, lowered, have, job.skills)]
    requirements = 100 * len(met) / len(job.requirements) if job.requirements else 100.0
    if skills is None or not skills_weight + experience_weight:
        percentage = round(experience, 1)
    else:  # weights that do not sum to 1 are read as proportions
        total = skills_weight + experience_weight
        percentage = round((skills_weight * skills + experience_weight * experience) / total, 1)
    by_weight = lambda items: sorted(items, key=lambda t: -weight[t])  # noqa: E731
    report = MatchReport(
        percentage=percentage,
        level=level(percentage),
        breakdown={
            "skills": round(skills, 1) if skills is not None else 0.0,
            "experience": round(experience, 1),
            "requirements": round(requirements, 1),
        },
        matched_skills=by_weight(matched),
        semantic_skills=by_weight(close),
        missing_skills=by_weight(missing),
        evidence=evidence,
    )
    _advise(report, job, years, history_similarity, semantic, len(met))
    return report


def _advise(
    report: MatchReport,
    job: JobTerms,
    years: float,
    similarity: float,
    semantic: dict[str, tuple[str, float]],
    met: int,
) -> None:
    targets = len(report.matched_skills) + len(report.semantic_skills) + len(report.missing_skills)
    if report.matched_skills:
        report.strengths.append(
            f"Shows {len(report.matched_skills)} of the {targets} skills the posting lists, including "
            f"{', '.join(report.matched_skills[:3])}."
        )
    if job.years_required and years >= job.years_required:
        report.strengths.append(f"{years:g} years of experience against {job.years_required:g} asked for.")
    if scaled_similarity(similarity) >= 0.75:
        report.strengths.append(f"The work history is close to this role{f' ({job.title})' if job.title else ''}.")
    if job.requirements and met == len(job.requirements):
        report.strengths.append("Speaks to every stated requirement.")
    if report.missing_skills:
        report.improvements.append(
            f"Not shown: {', '.join(report.missing_skills[:5])} (the posting's heaviest first). "
            "Name them where you have really used them."
        )
    for skill in report.semantic_skills[:3]:
        term, score = semantic[skill]
        report.improvements.append(f"{skill} is only close to your {term}: name {skill} if you have used it.")
    if job.years_required and years < job.years_required:
        report.improvements.append(f"The posting asks for {job.years_required:g}+ years; the resume shows {years:g}.")
    if scaled_similarity(similarity) < 0.4:
        report.improvements.append("The work history reads as a different kind of role: lead with the closest work.")
