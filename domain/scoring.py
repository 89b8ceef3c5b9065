"""How good is a resume, on its own: a 0–100 score, a letter grade, six parts and advice tied to the
resume's own lines. Pure: `ResumeFacts` in (from an uploaded resume or the master profile), a report out.

Parts, each 0–100 (weights are settings; defaults in `DEFAULT_WEIGHTS`):
- completeness: name 10, email 10, phone 10, summary 15, experience 20, skills 15, education 15,
  certifications or projects 5.
- experience: 60 × min(1, years / 8) + 25 × share of roles described by at least two bullets
  + 15 if the latest role is current or ended within two years.
- skills: 70 × min(1, distinct skills / 15) + 30 × min(1, skill categories / 4).
- certifications: min(100, 40 × certifications).
- impact: 60 × min(1, share of bullets with a number / 0.5) + 40 × min(1, share led by an action verb / 0.8).
- formatting: 40 × share of the standard sections present (summary, experience, skills, education)
  + 30 × length score (350–800 words is full marks) + 30 if roles are written as bullets.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from domain.ats import ACTION_VERBS, length_score
from domain.months import experience_years, this_month
from domain.skills import Lexicon

DEFAULT_WEIGHTS = {
    "completeness": 0.20,
    "experience": 0.25,
    "skills": 0.20,
    "certifications": 0.05,
    "impact": 0.20,
    "formatting": 0.10,
}
GRADES = ((95, "A+"), (90, "A"), (85, "B+"), (80, "B"), (75, "C+"), (70, "C"), (60, "D"), (0, "F"))
FULL_YEARS = 8.0
FULL_SKILLS = 15
FULL_CATEGORIES = 4
STANDARD_SECTIONS = ("summary", "experience", "skills", "education")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Role:
    title: str
    company: str | None
    start: date | None
    end: date | None  # None: current when `current`, unknown otherwise
    current: bool
    bullets: list[str]


@dataclass(frozen=True, slots=True)
class ResumeFacts:
    name: str | None
    email: str | None
    phone: str | None
    summary: str | None
    roles: list[Role]
    skills: list[str]
    education: int
    certifications: list[str]
    projects: int
    words: int
    sections: frozenset[str]


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """A resume's (or the profile's) score; stored as a cached score's result (storage/codec.py)."""

    overall: float
    grade: str
    breakdown: dict[str, float]
    total_experience_years: float
    strengths: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)


def grade(score: float) -> str:
    """A+ 95–100, A 90–94, B+ 85–89, B 80–84, C+ 75–79, C 70–74, D 60–69, F below 60, on the score
    rounded half up to a whole number."""
    rounded = math.floor(score + 0.5)  # half up: 94.5 is an A+
    return next(letter for floor, letter in GRADES if rounded >= floor)


def span(role: Role) -> tuple[date, date | None] | None:
    """The months a role covers: to this month when current; one month when its end is unreadable."""
    if role.start is None:
        return None
    return (role.start, None if role.current else (role.end or role.start))


def years_of(roles: list[Role], today: date | None = None) -> float:
    return experience_years([s for r in roles if (s := span(r))], today)


def _led(bullet: str) -> bool:
    return bullet.split(" ", 1)[0].lower().strip(",.;:") in ACTION_VERBS


def score_resume(
    facts: ResumeFacts, lexicon: Lexicon, weights: dict[str, float] | None = None, today: date | None = None
) -> ScoreReport:
    weights = weights or DEFAULT_WEIGHTS
    bullets = [b for role in facts.roles for b in role.bullets]
    years = years_of(facts.roles, today)
    described = [r for r in facts.roles if len(r.bullets) >= 2]
    ends = [(this_month(today) if r.current else r.end) for r in facts.roles]
    latest_end = max((end for end in ends if end is not None), default=None)
    recent = latest_end is not None and (this_month(today) - latest_end).days <= 2 * 365
    categories = {lexicon.category(s) for s in facts.skills if lexicon.category(s)}
    quantified = [b for b in bullets if _DIGIT.search(b)]
    led = [b for b in bullets if _led(b)]
    completeness = (
        10 * bool(facts.name)
        + 10 * bool(facts.email)
        + 10 * bool(facts.phone)
        + 15 * bool(facts.summary)
        + 20 * bool(facts.roles)
        + 15 * bool(facts.skills)
        + 15 * bool(facts.education)
        + 5 * bool(facts.certifications or facts.projects)
    )
    parts = {
        "completeness": float(completeness),
        "experience": 60 * min(1.0, years / FULL_YEARS)
        + (25 * len(described) / len(facts.roles) if facts.roles else 0)
        + 15 * recent,
        "skills": 70 * min(1.0, len(set(facts.skills)) / FULL_SKILLS)
        + 30 * min(1.0, len(categories) / FULL_CATEGORIES),
        "certifications": min(100.0, 40.0 * len(facts.certifications)),
        "impact": (60 * min(1.0, len(quantified) / len(bullets) / 0.5) + 40 * min(1.0, len(led) / len(bullets) / 0.8))
        if bullets
        else 0.0,
        "formatting": 40 * sum(s in facts.sections for s in STANDARD_SECTIONS) / len(STANDARD_SECTIONS)
        + 30 * length_score(facts.words, 350, 800)
        + 30 * bool(bullets),
    }
    breakdown = {name: round(value, 1) for name, value in parts.items()}
    total = sum(weights.values()) or 1.0
    overall = round(sum(weights[name] * parts[name] for name in weights) / total, 1)
    report = ScoreReport(overall, grade(overall), breakdown, years)
    _advise(report, facts, bullets, quantified, led, categories)
    return report


def _advise(
    report: ScoreReport,
    facts: ResumeFacts,
    bullets: list[str],
    quantified: list[str],
    led: list[str],
    categories: set[str | None],
) -> None:
    """Strengths, improvements and recommendations that quote the resume itself."""
    b = report.breakdown
    if report.total_experience_years >= 3:
        report.strengths.append(
            f"{report.total_experience_years:g} years of experience across {len(facts.roles)} role(s)"
            + (f", most recently {facts.roles[0].title}" if facts.roles else "")
            + "."
        )
    if bullets and len(quantified) / len(bullets) >= 0.5:
        report.strengths.append(f"{len(quantified)} of {len(bullets)} bullets state a measurable result.")
    if len(set(facts.skills)) >= 10:
        report.strengths.append(
            f"A broad skill set ({len(set(facts.skills))} skills in {len(categories)} areas, e.g. "
            f"{', '.join(facts.skills[:3])})."
        )
    if facts.certifications:
        report.strengths.append(f"Certified: {', '.join(facts.certifications[:3])}.")
    missing = [  # worth most first
        label
        for label, present in (
            ("work experience", facts.roles),
            ("a summary", facts.summary),
            ("a skills section", facts.skills),
            ("education", facts.education),
            ("your name", facts.name),
            ("an email address", facts.email),
            ("a phone number", facts.phone),
        )
        if not present
    ]
    if missing:
        report.improvements.append(f"Add {', '.join(missing)}: reviewers and ATS parsers look for each.")
        report.recommendations.append(f"Start with {missing[0]}: it adds the most to completeness.")
    unquantified = [x for x in bullets if x not in quantified]
    if bullets and b["impact"] < 80 and unquantified:
        report.improvements.append(f"{len(unquantified)} of {len(bullets)} bullets state no number.")
        report.recommendations.append(f'Quantify "{unquantified[0][:90]}": how much, how many, how fast?')
    weak = [x for x in bullets if x not in led]
    if bullets and len(led) / len(bullets) < 0.8 and weak:
        report.recommendations.append(f'Lead with an action verb in "{weak[0][:90]}".')
    thin = [r for r in facts.roles if len(r.bullets) < 2]
    if thin:
        report.improvements.append(f"{len(thin)} role(s) have fewer than two bullets, e.g. {thin[0].title}.")
        report.recommendations.append(f"Describe {thin[0].title} with two to four results.")
    if len(set(facts.skills)) < 8:
        report.improvements.append(f"Only {len(set(facts.skills))} skills are recognisable.")
        report.recommendations.append("List the tools and technologies you use in a Skills section.")
    if not facts.certifications:
        report.recommendations.append(
            "A certification in your main area"
            + (f" ({facts.skills[0]})" if facts.skills else "")
            + " would lift the certifications part, now 0."
        )
    if b["formatting"] < 70:
        absent = [s for s in STANDARD_SECTIONS if s not in facts.sections]
        words = f"{facts.words} words" + ("" if 350 <= facts.words <= 800 else " (350–800 reads best)")
        report.improvements.append(f"Layout: {words}" + (f"; no {', '.join(absent)} heading" if absent else "") + ".")
