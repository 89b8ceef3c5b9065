"""Enhancing the master profile in the person's own writing style: every section rewritten in one
batched call, stored beside the originals and never over them."""

from __future__ import annotations

from dataclasses import dataclass

from domain import cpu
from domain.ai.llm import LLMMetadata, LLMProvider, SectionText
from domain.ai.style import WritingStyle, measure
from domain.errors import PreconditionFailed
from domain.profiles import ProfileService, section_text
from domain.samples import SampleService
from domain.validation import MAX_CUSTOM_PROMPT, clean_text
from storage.accounts import User


@dataclass(frozen=True, slots=True)
class EnhanceOutcome:
    sections_requested: int
    sections_enhanced: int
    writing_style: WritingStyle
    sample_id: str
    metadata: LLMMetadata
    warnings: list[str]

    @property
    def success_rate(self) -> float:
        return round(self.sections_enhanced / self.sections_requested, 3) if self.sections_requested else 0.0


class EnhancementService:
    def __init__(self, profiles: ProfileService, samples: SampleService, llm: LLMProvider) -> None:
        self._profiles = profiles
        self._samples = samples
        self._llm = llm

    async def enhance_profile(self, user: User, custom_prompt: str | None) -> EnhanceOutcome:
        """Summary, every experience and every project in one batched call, in the style of the
        active cover-letter sample; results stored beside the originals, never over them."""
        prompt = clean_text(custom_prompt, "custom_prompt", max_length=MAX_CUSTOM_PROMPT)
        sample = await self._samples.active(user, "COVER_LETTER")
        if sample is None:
            raise PreconditionFailed("Upload a cover letter sample first", field="custom_prompt")
        if sample.writing_style:
            style = WritingStyle(**sample.writing_style)
        else:
            style = await cpu.run_sized(len(sample.full_text), measure, sample.full_text)
        profile = await self._profiles.profile(user)
        if profile is None:
            raise PreconditionFailed("Your profile is empty: add a summary, experiences or projects first")
        experiences, projects = await self._profiles.sections(profile.id, ("experiences", "projects"))
        sections: list[SectionText] = []
        if profile.summary:
            sections.append(SectionText("summary", "summary", profile.summary))
        for item in experiences:
            if text := section_text(item):
                sections.append(SectionText(item.id, "experience", text, finished=item.end_month is not None))
        for item in projects:
            if text := section_text(item):
                sections.append(SectionText(item.id, "project", text, finished=item.end_month is not None))
        if not sections:
            raise PreconditionFailed("Nothing to enhance yet: add a summary or descriptions to your profile")
        result = await self._llm.enhance_sections(sections, style, prompt)
        originals = {section.id: section for section in sections}
        changed = {
            (originals[e.id].kind, e.id): (originals[e.id].text, e.text)
            for e in result.sections
            if e.id in originals and e.text.strip() and e.text.strip() != originals[e.id].text.strip()
        }
        stored = await self._profiles.store_enhancements(user, changed)
        return EnhanceOutcome(len(sections), stored, style, sample.id, result.metadata, result.warnings)
