"""Checks on an operation request before Strawberry sees it (shared by HTTP and websockets)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

from graph.errors import coded_error

CACHE_SIZE = 1000


MAX_VALUE_DEPTH = 64  # lists and objects nested in variables: no argument of the schema needs more


class TooDeep(Exception):
    pass


def has_lone_surrogate(value: Any) -> bool:
    """JSON can carry `\\ud800`, which no UTF-8 encoder (argon2, the database, logs) accepts. Walks
    iteratively, and raises TooDeep past MAX_VALUE_DEPTH levels (deeper values overflow the recursive
    walks of the GraphQL library, which would answer a 500)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, (dict, list)):
            if depth >= MAX_VALUE_DEPTH:
                raise TooDeep
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
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


INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@lru_cache(maxsize=CACHE_SIZE)
def introspects_only(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Whether the operation is a query whose root selects only `__schema`, `__type` and `__typename`
    (at least one of the first two): its answer depends on the schema alone, never on the caller."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return False
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name and d.name.value == operation_name))
    ]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return False
    names = [s.name.value if isinstance(s, FieldNode) else None for s in chosen[0].selection_set.selections]
    return all(name in INTROSPECTION_ROOTS or name == "__typename" for name in names) and any(
        name in INTROSPECTION_ROOTS for name in names
    )


def parses(query: str, max_tokens: int) -> bool:
    return _operations(query, max_tokens) is not None


def precheck(
    query: Any, variables: Any, operation_name: Any, *, max_chars: int, max_tokens: int, streaming: bool
) -> tuple[list[GraphQLError] | None, OperationType | None]:
    """Errors that stop the request before execution, and the operation's type when known."""
    if not isinstance(query, str) or not query.strip():
        return [coded_error("The request has no GraphQL query", "BAD_USER_INPUT")], None
    if len(query) > max_chars:
        return [coded_error(f"The query is longer than {max_chars} characters", "QUERY_TOO_COMPLEX")], None
    try:
        if has_lone_surrogate([query, variables, operation_name]):
            return [coded_error("The request contains invalid Unicode (a lone surrogate)", "BAD_USER_INPUT")], None
    except TooDeep:
        message = f"The variables nest more than {MAX_VALUE_DEPTH - 1} levels deep"
        return [coded_error(message, "BAD_USER_INPUT")], None
    operations = _operations(query, max_tokens)
    if operations is None:
        return None, None
    if operation_name is None and len(operations) > 1:
        message = "The document has several operations: say which to run with `operationName`"
        return [coded_error(message, "BAD_USER_INPUT")], None
    kind = next(iter(operations.values()), None) if operation_name is None else operations.get(operation_name)
    if kind is None and operations:
        return [coded_error(f"Unknown operation named '{operation_name}'", "BAD_USER_INPUT")], None
    if kind is OperationType.SUBSCRIPTION and not streaming:
        message = "Subscriptions run over a websocket (graphql-transport-ws) at /graphql, not over plain HTTP"
        return [coded_error(message, "BAD_USER_INPUT")], None
    return None, kind
