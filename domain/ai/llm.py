"""The LLM port: the operations Tailor asks of a language model, with typed results and metadata.

Two providers answer it: `local` (offline, deterministic, honest heuristics; the default) and `groq`
(the real SDK; used when a key is set). Operations join the port as the features that need them
land; each provider implements every operation the port has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from domain.ai.style import WritingStyle


@dataclass(frozen=True, slots=True)
class LLMMetadata:
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    latency_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class SectionText:
    """A piece of the profile to enhance: its id, what it is, its text, and whether the role ended."""

    id: str
    kind: str  # "summary" | "experience" | "project"
    text: str
    finished: bool = False


@dataclass(frozen=True, slots=True)
class EnhancedSection:
    id: str
    text: str
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StyleResult:
    style: WritingStyle
    metadata: LLMMetadata


@dataclass(frozen=True, slots=True)
class EnhanceResult:
    sections: list[EnhancedSection]
    metadata: LLMMetadata
    warnings: list[str] = field(default_factory=list)  # what the truthfulness check refused


@dataclass(frozen=True, slots=True)
class JobBrief:
    """What the providers need to know about a job."""

    title: str | None
    company: str | None
    skills: list[str]
    keywords: dict[str, float]  # term → weight 0..1
    requirements: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RankCandidate:
    """A profile item with the relevance the domain computed, and the job terms it matched."""

    id: str
    kind: str  # "experience" | "project"
    title: str  # "Engineer at Acme" or the project's name
    text: str
    score: float
    matched: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RankResult:
    order: list[str]  # candidate ids, best first (a permutation of what was given)
    rationale: str
    metadata: LLMMetadata
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LetterRequest:
    full_name: str | None
    job: JobBrief
    items: list[RankCandidate]  # the person's best items for the job, best first
    matched_skills: list[str]  # job skills the person truly has
    style: WritingStyle
    custom_prompt: str | None = None
    hiring_manager: str | None = None  # the greeting's name; "Hiring Manager" without one
    max_paragraphs: int = 4  # between the greeting and the sign-off


@dataclass(frozen=True, slots=True)
class TextResult:
    text: str
    notes: list[str]
    metadata: LLMMetadata
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Analysis:
    matched_skills: list[str]
    missing_skills: list[str]
    score_breakdown: dict[str, float]  # skills, keywords, requirements, overall: each 0..100
    assessment: str
    metadata: LLMMetadata


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    reasoning: str
    priority: str  # "HIGH" | "MEDIUM" | "LOW"
    expected_impact: str
    section: str


@dataclass(frozen=True, slots=True)
class SuggestionsResult:
    suggestions: list[Suggestion]  # 5 to 7
    metadata: LLMMetadata


class LLMProvider(Protocol):
    name: str

    async def extract_style(self, text: str) -> StyleResult:
        """The writing style of a sample (measured stylometrics; a model may refine tone and phrases)."""
        ...

    async def enhance_sections(
        self, sections: list[SectionText], style: WritingStyle, custom_prompt: str | None = None
    ) -> EnhanceResult:
        """Every section rewritten in one call, in the person's style, without new facts."""
        ...

    async def rank_items(
        self, candidates: list[RankCandidate], job: JobBrief, custom_prompt: str | None = None
    ) -> RankResult:
        """Order the computed candidates (a model may re-order the top ones) and say why."""
        ...

    async def write_cover_letter(self, request: LetterRequest) -> TextResult:
        """A cover letter made only of the person's items and the job's terms they truly have."""
        ...

    async def analyse_resume(self, resume_text: str, job: JobBrief) -> Analysis:
        """Skills matched and missing, a score breakdown, and an assessment."""
        ...

    async def suggest_improvements(self, resume_text: str, job: JobBrief) -> SuggestionsResult:
        """Five to seven concrete suggestions, each with reasoning, priority, impact and section."""
        ...

    async def rewrite_section(self, section: str, text: str, job: JobBrief) -> TextResult:
        """The section rewritten for the job using only its own facts; what cannot be added honestly
        comes back as notes."""
        ...

    async def aclose(self) -> None: ...
