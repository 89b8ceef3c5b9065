"""What an improvement stores: the scores before and after, the suggestions, the rewrite and its diff, and
the model calls it took, as one value kept through the codec (storage/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from domain.ai.llm import LLMMetadata, Suggestion
from domain.matching import MatchReport
from storage.codec import decode
from storage.improvements import Improvement


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """A match's percentage and its parts (each 0..100), of the resume before or after the rewrite."""

    percentage: float
    skills: float
    experience: float
    requirements: float

    @classmethod
    def from_report(cls, report: MatchReport) -> ScoreParts:
        parts = report.parts
        return cls(report.percentage, parts.skills, parts.experience, parts.requirements)


@dataclass(frozen=True, slots=True)
class SectionDiff:
    """One section of the resume before and after the rewrite: the lines each has that the other lacks,
    and what the rewrite could not do honestly."""

    section: str  # header, summary, experience, projects, skills, education, ...
    heading: str | None  # the heading line as written; None for the header
    original: str
    improved: str
    changed: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImprovementResult:
    """A run's result: an improvement's `result` column."""

    matched_keywords: list[str]  # the job's skills the resume shows
    semantic_keywords: list[str]  # shown only in other words
    missing_keywords: list[str]
    original: ScoreParts
    improved: ScoreParts
    original_ats_score: float
    improved_ats_score: float
    suggestions: list[Suggestion]
    improved_resume_text: str
    diff: list[SectionDiff]
    warnings: list[str]  # what the truthfulness check removed
    llm_metadata: LLMMetadata  # every model call of the run, summed


# Read once per row object: a run's result reaches every subscriber of the run as the same row.
_read: WeakKeyDictionary[Improvement, tuple[Any, ImprovementResult]] = WeakKeyDictionary()


def improvement_result(improvement: Improvement) -> ImprovementResult:
    """The result an improvement stored (rows of every version read)."""
    stored = improvement.result
    kept = _read.get(improvement)
    if kept is not None and kept[0] is stored:
        return kept[1]
    result = decode(ImprovementResult, stored)
    _read[improvement] = (stored, result)
    return result
