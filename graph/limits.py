"""Query limits: depth, aliases and tokens refused with QUERY_TOO_COMPLEX before any resolver runs."""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator

from domain.settings import Settings

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


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """Field nesting depth of each operation, fragments included and introspection not exempt
    (Strawberry's limiter skips `__type { fields { type { ofType ... } } }`, a known abuse)."""

    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            self._fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
            self._memo: dict[str, int] = {}
            for definition in definitions:
                if isinstance(definition, OperationDefinitionNode):
                    depth = self._depth(definition.selection_set, set())
                    if depth > max_depth:
                        name = definition.name.value if definition.name else "anonymous"
                        context.report_error(
                            GraphQLError(
                                f"Operation '{name}' nests {depth} levels deep; the limit is {max_depth}",
                                definition,
                            )
                        )

        def _depth(self, selection_set: SelectionSetNode | None, visiting: set[str]) -> int:
            deepest = 0
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    deepest = max(deepest, 1 + self._depth(selection.selection_set, visiting))
                elif isinstance(selection, InlineFragmentNode):
                    deepest = max(deepest, self._depth(selection.selection_set, visiting))
                elif isinstance(selection, FragmentSpreadNode):
                    deepest = max(deepest, self._fragment_depth(selection.name.value, visiting))
            return deepest

        def _fragment_depth(self, name: str, visiting: set[str]) -> int:
            if name in self._memo:
                return self._memo[name]
            fragment = self._fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: other rules report those
                return 0
            depth = self._depth(fragment.selection_set, visiting | {name})
            self._memo[name] = depth
            return depth

    return MaxDepth


def schema_extensions(settings: Settings) -> list[type[SchemaExtension] | Any]:
    """Caches first (validation is the costly part of a small query), then limits."""
    # Built once: the validation cache keys on the rule classes, so new classes would never hit.
    rules = [coded(depth_rule(settings.max_query_depth)), coded(alias_validator(settings.max_query_aliases))]
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: AddValidationRules(rules),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
