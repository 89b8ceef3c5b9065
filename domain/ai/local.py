"""The offline `local` provider: deterministic answers computed by heuristics, never invented."""

from __future__ import annotations

import time

from domain.ai.enhance import enhance_text
from domain.ai.llm import EnhancedSection, EnhanceResult, LLMMetadata, SectionText, StyleResult
from domain.ai.style import WritingStyle, measure

MODEL = "tailor-heuristics-1"


class LocalProvider:
    name = "local"

    def _metadata(self, started: float) -> LLMMetadata:
        return LLMMetadata(provider=self.name, model=MODEL, latency_ms=round((time.perf_counter() - started) * 1000, 3))

    async def extract_style(self, text: str) -> StyleResult:
        started = time.perf_counter()
        return StyleResult(measure(text), self._metadata(started))

    async def enhance_sections(
        self, sections: list[SectionText], style: WritingStyle, custom_prompt: str | None = None
    ) -> EnhanceResult:
        """Rule-based and deterministic: action verbs, no filler, finished roles in the past tense."""
        started = time.perf_counter()
        enhanced = []
        for section in sections:
            result = enhance_text(section.text, finished=section.finished and section.kind != "summary")
            enhanced.append(EnhancedSection(section.id, result.text, result.changes))
        return EnhanceResult(enhanced, self._metadata(started))

    async def aclose(self) -> None:
        return None
