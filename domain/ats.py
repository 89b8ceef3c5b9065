"""ATS score of a generated document for a job: how well an applicant-tracking parser and a recruiter's
first scan would treat it. Pure: text and job terms in; a 0–100 score, its parts and advice out.

Resume = 40% keyword coverage (the job's skills, by weight) + 20% required sections + 15% quantified
bullets + 15% bullets led by an action verb + 10% length (350–800 words is full marks).
Cover letter = 50% keyword coverage + 20% length (250–400 words) + 15% structure (greeting, 3–6
paragraphs, sign-off) + 15% addressed to this job (names the role and the company).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.ai.enhance import PAST
from domain.skills import Lexicon

ACTION_VERBS = frozenset(PAST.values()) | frozenset(
    """achieved accelerated advised authored boosted championed consolidated converted debugged decreased
    designed diagnosed doubled drafted earned eliminated enabled engineered enhanced exceeded expanded
    facilitated founded generated guided halved headed identified initiated innovated installed instituted
    launched lowered mentored modernized negotiated orchestrated organized overhauled pioneered presented
    produced programmed published rebuilt redesigned replaced resolved restructured revamped saved secured
    simplified solved spearheaded standardized streamlined strengthened supervised tripled unified upgraded
    validated won wrote""".split()
)
RESUME_WEIGHTS = {"keywords": 0.40, "sections": 0.20, "quantified": 0.15, "action_verbs": 0.15, "length": 0.10}
LETTER_WEIGHTS = {"keywords": 0.50, "length": 0.20, "structure": 0.15, "personalisation": 0.15}
RESUME_SECTIONS = ("contact", "summary", "experience", "skills", "education")
QUANTIFIED_TARGET = 0.5  # half the bullets stating a number is full marks
VERB_TARGET = 0.8
_DIGIT = re.compile(r"\d")
_SIGN_OFF = re.compile(r"(sincerely|best regards|kind regards|regards|thank you)", re.I)


@dataclass(frozen=True, slots=True)
class AtsReport:
    score: float  # 0..100
    breakdown: dict[str, float]  # each part 0..100
    matched_keywords: list[str]
    missing_keywords: list[str]  # most important first
    feedback: list[str] = field(default_factory=list)  # most useful first


def keyword_coverage(
    text: str, skills: list[str], weights: dict[str, float], lexicon: Lexicon
) -> tuple[float, list[str], list[str]]:
    """Share of the job's skill weight the text shows; the skills it shows and those it lacks."""
    present = set(lexicon.skills_among(text, skills))
    lowered = text.lower()
    matched, missing = [], []
    for skill in skills:
        found = skill in present or re.search(rf"(?<![\w+#]){re.escape(skill.lower())}(?![\w+#])", lowered)
        (matched if found else missing).append(skill)
    total = sum(weights.get(s, 0.5) for s in skills)
    share = sum(weights.get(s, 0.5) for s in matched) / total if total else 1.0
    missing.sort(key=lambda s: -weights.get(s, 0.5))
    return share, matched, missing


def length_score(words: int, low: int, high: int) -> float:
    """1 inside [low, high]; falls linearly to 0 at low/3.5 words below and at twice `high` above."""
    if words < low:
        floor = low / 3.5
        return max(0.0, (words - floor) / (low - floor))
    if words > high:
        return max(0.0, 1 - (words - high) / high)
    return 1.0


def _weighted(parts: dict[str, float], weights: dict[str, float]) -> float:
    return round(100 * sum(weights[name] * parts[name] for name in weights), 1)


def _percent(parts: dict[str, float]) -> dict[str, float]:
    return {name: round(100 * value, 1) for name, value in parts.items()}


def resume_report(
    text: str,
    *,
    bullets: list[str],
    sections: set[str],
    expected_sections: tuple[str, ...],
    skills: list[str],
    weights: dict[str, float],
    lexicon: Lexicon,
) -> AtsReport:
    coverage, matched, missing = keyword_coverage(text, skills, weights, lexicon)
    quantified = [b for b in bullets if _DIGIT.search(b)]
    led = [b for b in bullets if b.split(" ", 1)[0].lower().strip(",.;:") in ACTION_VERBS]
    words = len(text.split())
    absent = [s for s in expected_sections if s not in sections]
    parts = {
        "keywords": coverage,
        "sections": 1 - len(absent) / len(expected_sections) if expected_sections else 1.0,
        "quantified": min(1.0, len(quantified) / len(bullets) / QUANTIFIED_TARGET) if bullets else 0.0,
        "action_verbs": min(1.0, len(led) / len(bullets) / VERB_TARGET) if bullets else 0.0,
        "length": length_score(words, 350, 800),
    }
    feedback = []
    if skills:
        feedback.append(f"Shows {len(matched)} of the job's {len(skills)} skills.")
    if missing:
        feedback.append(f"Not shown: {', '.join(missing[:6])}. Add them only where you have really used them.")
    if absent:
        feedback.append(f"Missing sections: {', '.join(absent)}; ATS parsers look for each of these headings.")
    if bullets and len(quantified) / len(bullets) < QUANTIFIED_TARGET:
        feedback.append(f"{len(quantified)} of {len(bullets)} bullets state a number; quantify results where you can.")
    if bullets and len(led) / len(bullets) < VERB_TARGET:
        feedback.append(f"{len(led)} of {len(bullets)} bullets lead with an action verb.")
    if not bullets:
        feedback.append("No bullet points: describe your roles as short achievement bullets.")
    if parts["length"] < 1:
        feedback.append(f"{words} words: 350–800 reads best for one to two pages.")
    if not feedback[1:] and skills:
        feedback.append("Well structured for ATS parsing: plain headings, keyword coverage and quantified bullets.")
    return AtsReport(_weighted(parts, RESUME_WEIGHTS), _percent(parts), matched, missing, feedback)


def letter_report(
    text: str,
    *,
    skills: list[str],
    weights: dict[str, float],
    role: str | None,
    company: str | None,
    lexicon: Lexicon,
) -> AtsReport:
    coverage, matched, missing = keyword_coverage(text, skills, weights, lexicon)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    words = len(text.split())
    greeting = bool(paragraphs) and paragraphs[0].lower().startswith(("dear ", "hello", "hi "))
    signed = bool(paragraphs) and _SIGN_OFF.match(paragraphs[-1])
    body = len(paragraphs) - int(greeting) - int(bool(signed))
    lowered = text.lower()
    named = [name for name in (role, company) if name]
    parts = {
        "keywords": coverage,
        "length": length_score(words, 250, 400),
        "structure": (int(greeting) + int(bool(signed)) + int(3 <= body <= 6)) / 3,
        "personalisation": sum(name.lower() in lowered for name in named) / len(named) if named else 1.0,
    }
    feedback = []
    if skills:
        feedback.append(f"Mentions {len(matched)} of the job's {len(skills)} skills.")
    if missing and coverage < 0.6:
        feedback.append(f"Not mentioned: {', '.join(missing[:5])}, if your experience includes them.")
    if parts["length"] < 1:
        feedback.append(f"{words} words: 250–400 keeps a letter to one page.")
    if parts["structure"] < 1:
        feedback.append("A letter reads best with a greeting, three to six paragraphs and a sign-off.")
    if parts["personalisation"] < 1:
        feedback.append("Name the role and the company so the letter is plainly for this job.")
    return AtsReport(_weighted(parts, LETTER_WEIGHTS), _percent(parts), matched, missing, feedback)
