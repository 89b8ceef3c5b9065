"""What a generation keeps besides its text: the options asked for, the inputs it came from, the content
used, the ATS feedback and the model's metadata, each a dataclass with snake_case fields.

They are stored by `storage.codec` in the generation's JSON columns and read back with
`generation_results(row)`, rows written before the codec (camelCase keys, no version) included; the
graph layer maps them to its types and never reads a column itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.ai.llm import LLMMetadata
from domain.ats import AtsReport
from storage.codec import decode
from storage.generations import Generation

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True, slots=True)
class ResumeOptions:
    """What a person asks of a resume (the prompt as cleaned once stored)."""

    max_experiences: int = 5
    max_projects: int = 3
    include_summary: bool = True
    custom_prompt: str | None = None
    format: str = "TEXT"


@dataclass(frozen=True, slots=True)
class LetterOptions:
    """What a person asks of a cover letter (names and prompt as cleaned once stored)."""

    company_name: str | None = None
    hiring_manager_name: str | None = None
    max_paragraphs: int = 4
    custom_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class GenerationInputs:
    """What the document was made from: the ranking (its hash and order), the job and profile versions,
    and for a resume the prompt's terms, for a letter the sample and the company addressed."""

    ranking_inputs_hash: str
    ranking_cached: bool
    ranked_ids: tuple[str, ...]
    job_content_hash: str | None
    profile_updated_at: datetime | None
    prompt_terms: tuple[str, ...] = ()
    sample_id: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class ContentUsed:
    """The profile content that went into the document (section counts are for resumes only)."""

    experience_ids: tuple[str, ...]
    project_ids: tuple[str, ...]
    experiences_count: int
    projects_count: int
    summary_included: bool
    summary_enhanced: bool
    enhanced_items: int  # items whose enhanced text was used
    skills_highlighted: tuple[str, ...]
    writing_style_applied: bool
    sample_id: str | None = None
    skills_count: int | None = None
    education_count: int | None = None
    certifications_count: int | None = None


@dataclass(frozen=True, slots=True)
class AtsFeedback:
    """The ATS report less its score (a column of its own): each part 0..100 by name, the job's skills
    shown and not shown (most important first), and what to act on."""

    breakdown: dict[str, float]
    matched_keywords: tuple[str, ...]
    missing_keywords: tuple[str, ...]
    notes: tuple[str, ...]

    @classmethod
    def from_report(cls, report: AtsReport) -> AtsFeedback:
        return cls(
            dict(report.breakdown),
            tuple(report.matched_keywords),
            tuple(report.missing_keywords),
            tuple(report.feedback),
        )

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Rows written before the codec named the parts in camelCase too."""
        if version < 1 and isinstance(data.get("breakdown"), dict):
            data["breakdown"] = {_UPPER.sub(r"_\1", name).lower(): score for name, score in data["breakdown"].items()}
        return data


@dataclass(frozen=True, slots=True)
class GenerationResults:
    """A generation's stored results, typed."""

    options: ResumeOptions | LetterOptions
    inputs: GenerationInputs
    content_used: ContentUsed
    ats_feedback: AtsFeedback
    llm_metadata: LLMMetadata


def generation_results(row: Generation) -> GenerationResults:
    """The results a generation row keeps, read from its JSON columns."""
    options_type = ResumeOptions if row.document_type == "RESUME" else LetterOptions
    return GenerationResults(
        options=decode(options_type, row.options),
        inputs=decode(GenerationInputs, row.inputs),
        content_used=decode(ContentUsed, row.content_used),
        ats_feedback=decode(AtsFeedback, row.ats_feedback),
        llm_metadata=decode(LLMMetadata, row.llm_metadata),
    )
