"""The offline `local` provider: deterministic answers computed by heuristics, never invented. The
heuristics are pure Python, so each runs in the CPU pool (domain/cpu.py), off the event loop."""

from __future__ import annotations

import time

from domain import cpu, wording
from domain.ai import local_writing
from domain.ai.enhance import enhance_text
from domain.ai.llm import (
    Analysis,
    EnhancedSection,
    EnhanceResult,
    JobBrief,
    LetterRequest,
    LLMMetadata,
    RankCandidate,
    RankResult,
    SectionText,
    StyleResult,
    SuggestionsResult,
    TextResult,
)
from domain.ai.style import WritingStyle, measure
from domain.skills import Lexicon, default_lexicon

MODEL = "tailor-heuristics-1"


class LocalProvider:
    name = "local"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lexicon = lexicon or default_lexicon()

    def _metadata(self, started: float) -> LLMMetadata:
        return LLMMetadata(provider=self.name, model=MODEL, latency_ms=round((time.perf_counter() - started) * 1000, 3))

    async def extract_style(self, text: str) -> StyleResult:
        started = time.perf_counter()
        return StyleResult(await cpu.run_sized(len(text), measure, text), self._metadata(started))

    async def enhance_sections(
        self, sections: list[SectionText], style: WritingStyle, custom_prompt: str | None = None
    ) -> EnhanceResult:
        """Rule-based and deterministic: action verbs, no filler, finished roles in the past tense."""
        started = time.perf_counter()
        result = await cpu.run_sized(sum(len(s.text) for s in sections), enhanced, sections)
        return EnhanceResult(result, self._metadata(started))

    async def rank_items(
        self, candidates: list[RankCandidate], job: JobBrief, custom_prompt: str | None = None
    ) -> RankResult:
        """The computed order stands (it already weighs the prompt's terms); the rationale explains it."""
        started = time.perf_counter()
        ordered = sorted(candidates, key=lambda c: -c.score)
        rationale = await cpu.run_sized(sum(len(c.text) for c in ordered), wording.rank_rationale, ordered, job)
        return RankResult([c.id for c in ordered], rationale, self._metadata(started))

    async def write_cover_letter(self, request: LetterRequest) -> TextResult:
        started = time.perf_counter()
        text = await cpu.run_sized(sum(len(c.text) for c in request.items), local_writing.cover_letter, request)
        missing = wording.missing_skills(request.job, request.matched_skills)[:5]
        notes = [f"Skills the job names that your profile does not show were left out: {', '.join(missing)}"]
        return TextResult(text, notes if missing else [], self._metadata(started))

    async def analyse_resume(self, resume_text: str, job: JobBrief) -> Analysis:
        started = time.perf_counter()
        matched, missing, breakdown, assessment = await cpu.run_sized(
            len(resume_text), local_writing.analysis, resume_text, job, self._lexicon
        )
        return Analysis(matched, missing, breakdown, assessment, self._metadata(started))

    async def suggest_improvements(self, resume_text: str, job: JobBrief) -> SuggestionsResult:
        started = time.perf_counter()
        suggestions = await cpu.run_sized(len(resume_text), local_writing.suggestions, resume_text, job, self._lexicon)
        return SuggestionsResult(suggestions, self._metadata(started))

    async def rewrite_section(self, section: str, text: str, job: JobBrief) -> TextResult:
        started = time.perf_counter()
        rewritten, notes = await cpu.run_sized(len(text), local_writing.rewrite, section, text, job, self._lexicon)
        return TextResult(rewritten, notes, self._metadata(started))

    async def aclose(self) -> None:
        return None


def enhanced(sections: list[SectionText]) -> list[EnhancedSection]:
    """Rule-based enhancement of each section (run in the CPU pool)."""
    out = []
    for section in sections:
        result = enhance_text(section.text, finished=section.finished and section.kind != "summary")
        out.append(EnhancedSection(section.id, result.text, result.changes))
    return out
