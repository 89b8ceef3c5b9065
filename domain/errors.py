"""Typed domain errors. Each carries the API code it maps to; `graph/errors.py` does the mapping.

Errors speak the domain's language; `graph/errors.py`, the one place they become API errors, renders
them as the API speaks:

- `field` names the input at fault by its domain name, snake_case (`custom_prompt`, `job_id`); a value
  inside another is a path of segments joined by dots (`links.0.url`). The API answers each segment in
  camelCase (`extensions.field`: `customPrompt`, `jobId`, `links.0.url`).
- A message that names fields spells them the same way: the segments of `field`, and the other fields
  it names listed in `mentions`, are rendered in the API's spelling inside the message too
  (`"end_month cannot be before start_month"` → `"endMonth cannot be before startMonth"`); nothing
  else of the message changes (user input it quotes stays as it is).
- A message never names an API operation. When the person must do something else first, the message
  says what is missing and `next_step` (a `NextStep`) says what to do: the API appends the operation
  that does it (`"This job has not been ranked yet: run rankContent"`), `str(error)` the step's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, ClassVar


class NextStep(StrEnum):
    """What the person must do before trying again, as a domain action; its value words it for people.
    `graph/errors.py` maps each step to the API operation that performs it."""

    RANK = "rank your profile's content for this job first"
    IMPROVE = "improve this resume for this job first"


class DomainError(Exception):
    """An expected failure with a message fit for the person who caused it (see the module's notes on
    `field`, `mentions` and `next_step`)."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        mentions: Iterable[str] = (),
        next_step: NextStep | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message if next_step is None else f"{message}: {next_step.value}")
        self.message = message
        self.field = field
        self.mentions = tuple(mentions)
        self.next_step = next_step
        self.details = details

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Raised in a CPU worker process (domain/cpu.py), the error arrives whole: field and details too."""
        rebuilt = (type(self), self.message, self.field, self.mentions, self.next_step, self.details)
        return _rebuilt, rebuilt, self.__dict__


def _rebuilt(
    kind: type[DomainError],
    message: str,
    field: str | None,
    mentions: tuple[str, ...],
    next_step: NextStep | None,
    details: dict[str, Any],
) -> DomainError:
    error = kind.__new__(kind)
    DomainError.__init__(error, message, field=field, mentions=mentions, next_step=next_step, **details)
    return error


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class BadInput(DomainError):
    code = "BAD_USER_INPUT"


class Conflict(DomainError):
    code = "CONFLICT"


class PreconditionFailed(DomainError):
    code = "PRECONDITION_FAILED"


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"


class UnprocessableDocument(DomainError):
    code = "UNPROCESSABLE_DOCUMENT"


class ResumeParsingFailed(DomainError):
    code = "RESUME_PARSING_FAILED"


class JobParsingFailed(DomainError):
    code = "JOB_PARSING_FAILED"


class KeywordExtractionFailed(DomainError):
    code = "KEYWORD_EXTRACTION_FAILED"


class LLMTimeout(DomainError):
    code = "LLM_TIMEOUT"


class LLMUnavailable(DomainError):
    code = "LLM_UNAVAILABLE"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retryAfter=retry_after, **details)
        self.retry_after = retry_after


class QueryTooComplex(DomainError):
    code = "QUERY_TOO_COMPLEX"


class QuotaExceeded(DomainError):
    """An upload past the account's storage quota: nothing was stored."""

    code = "QUOTA_EXCEEDED"


class ServiceUnavailable(DomainError):
    """A backend (the database, Redis) refused, dropped or did not answer in time: nothing is wrong with
    the request, and the same request may work after `retry_after` seconds. The message never carries a
    driver's text, a host or a password."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retryAfter=retry_after, **details)
        self.retry_after = retry_after


ERROR_CODES: tuple[str, ...] = (
    "UNAUTHENTICATED",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "PRECONDITION_FAILED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "UNPROCESSABLE_DOCUMENT",
    "RESUME_PARSING_FAILED",
    "JOB_PARSING_FAILED",
    "KEYWORD_EXTRACTION_FAILED",
    "LLM_TIMEOUT",
    "LLM_UNAVAILABLE",
    "RATE_LIMITED",
    "QUOTA_EXCEEDED",
    "QUERY_TOO_COMPLEX",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_IN_LIST",
    "ORIGIN_NOT_ALLOWED",
    "REQUEST_TIMEOUT",  # a client that sent part of a request and stopped (HTTP 408)
    "SERVICE_UNAVAILABLE",
    "INTERNAL",
)
