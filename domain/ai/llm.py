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

    async def aclose(self) -> None: ...
