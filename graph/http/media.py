"""GraphQL over HTTP's media types: `application/graphql-response+json` for clients that accept it
(with the spec's status codes), `application/json` as before for everyone else."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
NOT_AN_ERROR = frozenset({"PERSISTED_QUERY_NOT_FOUND"})  # APQ's signal to send the query: Apollo expects 200


class TimedOut(ExecutionResult):
    """An operation stopped by the time limit: it ran, so it is no request error (it keeps `data`)."""


# Set for each HTTP request by the view: whether this response speaks the current spec.
graphql_response: ContextVar[bool] = ContextVar("graphql_response", default=False)


def accepts_graphql_response(accept: str) -> bool:
    """True when `application/graphql-response+json` is acceptable and not less preferred than
    `application/json`; a missing or wildcard Accept keeps the legacy `application/json`."""
    weights: dict[str, float] = {}
    for part in accept.lower().split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media] = max(weight, weights.get(media, 0.0))
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    return preferred > 0 and preferred >= weights.get(JSON, 0.0)


def is_request_error(result: Any) -> bool:
    """A request that never reached execution (parse, validation, variable values, a refused persisted
    query): errors without a path and no data. Not an operation stopped by the time limit (it ran), nor
    our own failure, nor APQ's "send the query" signal."""
    errors = result.errors or []
    if result.data is not None or not errors or any(e.path is not None for e in errors):
        return False
    codes = {(e.extensions or {}).get("code") for e in errors}
    return not isinstance(result, TimedOut) and "INTERNAL" not in codes and not codes <= NOT_AN_ERROR


def status_of(body: dict[str, Any], status: int) -> int:
    """The spec's status for a single response: 400 without `data`, 500 for our own failure, 503 when
    a backend (database, Redis) is not answering."""
    codes = {error.get("extensions", {}).get("code") for error in body.get("errors", [])}
    if "data" not in body and body.get("errors"):
        return 400
    if body.get("data") is None and "INTERNAL" in codes:
        return 500
    if body.get("data") is None and "SERVICE_UNAVAILABLE" in codes:
        return 503
    return status
