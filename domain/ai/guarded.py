"""Every provider's output passes the truthfulness check before anyone can store it.

`GuardedLLM` wraps a provider and checks each generated text against the facts the call was given
(the section's own text, the person's items, the job): an enhanced section that claims something new
keeps its original text; other texts lose the sentences that do, and the result lists them as warnings.
"""

from __future__ import annotations

import re
from dataclasses import replace

from domain import cpu
from domain.ai.llm import (
    Analysis,
    EnhancedSection,
    EnhanceResult,
    JobBrief,
    LetterRequest,
    LLMProvider,
    RankCandidate,
    RankResult,
    SectionText,
    StyleResult,
    SuggestionsResult,
    TextResult,
)
from domain.ai.style import WritingStyle
from domain.ai.truthfulness import Claim, TruthChecker

LETTER_FURNITURE = "Dear Hiring Manager Sincerely Best regards Kind regards Thank you"
GREETING = re.compile(r"^(?:Dear|Hello|Hi)\b[^\n.!?]{0,80},$")


def job_facts(job: JobBrief) -> list[str]:
    return [job.title or "", job.company or "", ", ".join(job.skills), *job.requirements, *job.keywords]


class GuardedLLM:
    def __init__(self, provider: LLMProvider, checker: TruthChecker) -> None:
        self.provider = provider
        self.checker = checker
        self.name = provider.name

    async def extract_style(self, text: str) -> StyleResult:
        return await self.provider.extract_style(text)

    async def enhance_sections(
        self, sections: list[SectionText], style: WritingStyle, custom_prompt: str | None = None
    ) -> EnhanceResult:
        result = await self.provider.enhance_sections(sections, style, custom_prompt)
        originals = {section.id: section for section in sections}
        kept: list[EnhancedSection] = []
        warnings = list(result.warnings)
        pairs = [(enhanced.text, originals[enhanced.id].text) for enhanced in result.sections]
        found = await cpu.run_sized(sum(len(a) + len(b) for a, b in pairs), unsupported_claims, self.checker, pairs)
        for enhanced, claims in zip(result.sections, found, strict=True):
            original = originals[enhanced.id]
            if claims:
                warnings += [f"{original.kind} {original.id}: {claim.warning}; kept the original" for claim in claims]
                kept.append(EnhancedSection(original.id, original.text, []))
            else:
                kept.append(enhanced)
        return replace(result, sections=kept, warnings=warnings)

    async def rank_items(
        self, candidates: list[RankCandidate], job: JobBrief, custom_prompt: str | None = None
    ) -> RankResult:
        result = await self.provider.rank_items(candidates, job, custom_prompt)
        sources = [text for c in candidates for text in (c.title, c.text, " ".join(c.matched))] + job_facts(job)
        rationale, warnings = await cpu.run_sized(
            _chars(result.rationale, sources), self.checker.strip_unsupported, result.rationale, sources
        )
        return replace(result, rationale=rationale, warnings=result.warnings + warnings)

    async def write_cover_letter(self, request: LetterRequest) -> TextResult:
        result = await self.provider.write_cover_letter(request)
        sources = [request.full_name or "", LETTER_FURNITURE, ", ".join(request.matched_skills)]
        sources += [text for c in request.items for text in (c.title, c.text)] + job_facts(request.job)
        greeting, _, rest = result.text.partition("\n\n")
        if GREETING.match(greeting):  # the hiring manager's name is allowed here and nowhere else
            checked = await cpu.run_sized(
                _chars(rest, sources), checked_text, self.checker, replace(result, text=rest), sources
            )
            return replace(checked, text=f"{greeting}\n\n{checked.text}")
        return await cpu.run_sized(_chars(result.text, sources), checked_text, self.checker, result, sources)

    async def analyse_resume(self, resume_text: str, job: JobBrief) -> Analysis:
        return await self.provider.analyse_resume(resume_text, job)

    async def suggest_improvements(self, resume_text: str, job: JobBrief) -> SuggestionsResult:
        return await self.provider.suggest_improvements(resume_text, job)  # advice, not claims about the person

    async def rewrite_section(self, section: str, text: str, job: JobBrief) -> TextResult:
        result = await self.provider.rewrite_section(section, text, job)
        sources = [text, *job_facts(job)]
        return await cpu.run_sized(_chars(result.text, sources), checked_text, self.checker, result, sources)

    async def aclose(self) -> None:
        await self.provider.aclose()


def checked_text(checker: TruthChecker, result: TextResult, sources: list[str]) -> TextResult:
    """The text with every unsupported claim cut, paragraph by paragraph (run in the CPU pool)."""
    paragraphs = result.text.split("\n\n")
    kept, warnings = [], list(result.warnings)
    for paragraph in paragraphs:
        cleaned, found = checker.strip_unsupported(paragraph, sources)
        warnings += found
        if cleaned.strip():
            kept.append(cleaned if found else paragraph)
    return replace(result, text="\n\n".join(kept), warnings=warnings)


def unsupported_claims(checker: TruthChecker, pairs: list[tuple[str, str]]) -> list[list[Claim]]:
    """For each (enhanced, original) pair, the claims the original does not support (run in the CPU pool)."""
    return [checker.check(enhanced, [original]) for enhanced, original in pairs]


def _chars(text: str, sources: list[str]) -> int:
    """How much text a check reads: the text and its sources."""
    return len(text) + sum(len(source) for source in sources)
