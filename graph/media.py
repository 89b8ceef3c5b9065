"""GraphQL over HTTP's media types: `application/graphql-response+json` for clients that accept it
(with the spec's status codes), `application/json` as before for everyone else."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
NOT_AN_ERROR = frozenset({"PERSISTED_QUERY_NOT_FOUND"})  # APQ's signal to send the query: Apollo expects 200

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


def is_request_error(body: dict[str, Any]) -> bool:
    """A response the spec answers with 4xx: no `data`, because the request never reached execution."""
    if "data" in body or not body.get("errors"):
        return False
    codes = {error.get("extensions", {}).get("code") for error in body["errors"]}
    return not codes <= NOT_AN_ERROR
