"""Query limits: depth, aliases and tokens refused with QUERY_TOO_COMPLEX before any resolver runs."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, GraphQLError, ValidationContext
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from domain.settings import Settings
from graph.errors import ErrorCodes

CACHE_SIZE = 1000


class _CodedContext:
    """A validation context whose reported errors carry a code."""

    def __init__(self, inner: ValidationContext, code: str) -> None:
        self._inner = inner
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._inner.report_error(error)


def coded(rule: type[ASTValidationRule], code: str = "QUERY_TOO_COMPLEX") -> type[ASTValidationRule]:
    class Coded(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodedContext(context, code))  # type: ignore[arg-type]

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


def schema_extensions(settings: Settings) -> list[type[SchemaExtension] | Any]:
    """In order: error codes wrap everything; caches; limits; introspection switch."""
    extensions: list[Any] = [
        ErrorCodes,
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: AddValidationRules(
            [
                coded(depth_validator(settings.max_query_depth, should_ignore=None)),
                coded(alias_validator(settings.max_query_aliases)),
            ]
        ),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
