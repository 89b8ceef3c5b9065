"""Relevance of profile items to a job: embedding similarity, weighted keyword overlap, recency.
Pure: vectors, texts and dates in; scores out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from domain.months import this_month
from domain.skills import Lexicon

SIMILARITY_WEIGHT = 0.55
KEYWORD_WEIGHT = 0.35
RECENCY_WEIGHT = 0.10
RECENCY_YEARS = 5.0  # a role that ended this long ago counts about a third as recent
PROMPT_BOOST = 2.0


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    kind: str
    score: float
    matched: list[str]


def emphasised(keywords: dict[str, float], custom_prompt: str | None, lexicon: Lexicon) -> dict[str, float]:
    """Job keywords the person's prompt names weigh double; skills it names that the job lacks join in."""
    if not custom_prompt:
        return dict(keywords)
    named = set(lexicon.skills_in(custom_prompt)) | {term for term in keywords if term.lower() in custom_prompt.lower()}
    weights = {term: weight * (PROMPT_BOOST if term in named else 1.0) for term, weight in keywords.items()}
    for term in named - weights.keys():
        weights[term] = 0.5 * PROMPT_BOOST
    return weights


def keyword_overlap(
    text: str, skills: list[str], weights: dict[str, float], lexicon: Lexicon
) -> tuple[float, list[str]]:
    """Share of the job's keyword weight the item shows (capped at the item's best 8 terms' worth)."""
    present = set(skills) | set(lexicon.skills_in(text))
    words = set(text.lower().split())  # once, not once per term
    matched = [term for term in weights if term in present or (" " not in term and term.lower() in words)]
    if not weights:
        return 0.0, []
    budget = sum(sorted(weights.values(), reverse=True)[:8])
    return min(1.0, sum(weights[t] for t in matched) / budget), sorted(matched, key=lambda t: -weights[t])


def keyword_overlaps(
    items: list[tuple[str, list[str]]], weights: dict[str, float], lexicon: Lexicon
) -> list[tuple[float, list[str]]]:
    """`keyword_overlap` of each (text, skills) item, in one call to the CPU pool."""
    return [keyword_overlap(text, skills, weights, lexicon) for text, skills in items]


def recency(end: date | None, today: date | None = None) -> float:
    if end is None:
        return 1.0
    years = max(0.0, ((this_month(today) - end).days) / 365.25)
    return math.exp(-years / RECENCY_YEARS)


def relevance(similarity: float, overlap: float, recent: float) -> float:
    value = SIMILARITY_WEIGHT * max(0.0, similarity) + KEYWORD_WEIGHT * overlap + RECENCY_WEIGHT * recent
    return round(min(1.0, value), 4)
