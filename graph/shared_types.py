"""GraphQL types more than one feature returns: model metadata, the document kinds, and Relay's page info."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from domain.ai.llm import LLMMetadata as LLMMetadataValue
from domain.pagination import DEFAULT_PAGE, MAX_PAGE


@strawberry.type(description="Which model answered, what it cost, and how long it took.")
class LLMMetadata:
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    latency_ms: float

    @classmethod
    def from_value(cls, value: LLMMetadataValue) -> LLMMetadata:
        return cls(**asdict(value))


@strawberry.enum
class DocumentType(Enum):
    RESUME = "RESUME"
    COVER_LETTER = "COVER_LETTER"


@strawberry.type(
    description=f"Lists page forward with `first`/`after` (newest first; {DEFAULT_PAGE} when neither `first` nor "
    f"`last` is given) or backward with `last`/`before`, at most {MAX_PAGE} a page; `first` with `last` is "
    "BAD_USER_INPUT. "
    "Paging forward, hasPreviousPage is false; paging backward, hasNextPage is false (the Relay spec allows both)."
)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def camel_case_keys(value: Any) -> Any:
    """A stored value's object keys in the API's casing, at every depth (for fields typed `JSON`)."""
    if isinstance(value, dict):
        return {to_camel_case(str(key)): camel_case_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_case_keys(item) for item in value]
    return value
