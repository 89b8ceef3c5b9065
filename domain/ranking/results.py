"""What a ranking stores beside its keys: the items best first, how many of them show each job skill, and
the model call that ordered them, each kept through the codec (storage/codec.py) in a column of its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ai.llm import LLMMetadata
from storage.codec import decode
from storage.ranking import Ranking


@dataclass(frozen=True, slots=True)
class RankedItem:
    """A profile item's place in a ranking: its id and kind, its relevance (0..1), the job terms it matched."""

    id: str
    kind: str  # "experience" | "project"
    score: float
    matched: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RankingResult:
    """A ranking row's stored results, read."""

    items: list[RankedItem]  # best first
    keyword_matches: dict[str, int]  # job skill → how many ranked items show it (keys are skills, as written)
    llm_metadata: LLMMetadata


def ranking_result(ranking: Ranking) -> RankingResult:
    """The results a ranking stored (rows of every version read)."""
    return RankingResult(
        items=decode(list[RankedItem], ranking.items),
        keyword_matches=decode(dict[str, int], ranking.keyword_matches),
        llm_metadata=decode(LLMMetadata, ranking.llm_metadata),
    )
