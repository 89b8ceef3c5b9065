"""Checks on an operation request before Strawberry sees it (shared by HTTP and websockets)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from graph.errors import coded_error

CACHE_SIZE = 1000


def has_lone_surrogate(value: Any) -> bool:
    """JSON can carry `\\ud800`, which no UTF-8 encoder (argon2, the database, logs) accepts."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False


@lru_cache(maxsize=CACHE_SIZE)
def _operations(query: str, max_tokens: int) -> dict[str | None, OperationType] | None:
    """Operation name → type; None when the document does not parse (Strawberry reports why)."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None
    return {
        (d.name.value if d.name else None): d.operation
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def parses(query: str, max_tokens: int) -> bool:
    return _operations(query, max_tokens) is not None


def precheck(
    query: Any, variables: Any, operation_name: Any, *, max_chars: int, max_tokens: int
) -> tuple[list[GraphQLError] | None, OperationType | None]:
    """Errors that stop the request before execution, and the operation's type when known."""
    if not isinstance(query, str) or not query.strip():
        return [coded_error("The request has no GraphQL query", "BAD_USER_INPUT")], None
    if len(query) > max_chars:
        return [coded_error(f"The query is longer than {max_chars} characters", "QUERY_TOO_COMPLEX")], None
    if has_lone_surrogate([query, variables, operation_name]):
        return [coded_error("The request contains invalid Unicode (a lone surrogate)", "BAD_USER_INPUT")], None
    operations = _operations(query, max_tokens)
    if operations is None:
        return None, None
    if operation_name is None and len(operations) > 1:
        message = "The document has several operations: say which to run with `operationName`"
        return [coded_error(message, "BAD_USER_INPUT")], None
    kind = next(iter(operations.values()), None) if operation_name is None else operations.get(operation_name)
    if kind is None and operations:
        return [coded_error(f"Unknown operation named '{operation_name}'", "BAD_USER_INPUT")], None
    return None, kind
