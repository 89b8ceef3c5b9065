"""Query limits: depth, aliases, tokens and introspection refused with QUERY_TOO_COMPLEX before any
resolver runs.

Two depth budgets: ordinary fields nest at most `max_query_depth`; introspection (`__schema`,
`__type`) is measured apart, because the standard query every tool sends (graphql-js's
`getIntrospectionQuery`) is deep by design. Introspection instead bounds its `ofType` chain, its
nested type lists and how many fields it selects with fragments expanded, so an aliased fan-out or
a cycle through `fields { type { fields ...` is refused while the standard queries pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    MaxIntrospectionDepthRule,
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

from graph.server.settings import WebSettings

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
            coded_context = _CodedContext(context, code)
            try:  # our rules measure in __init__, outside graphql-core's own guard
                super().__init__(coded_context)  # type: ignore[arg-type]
            except RecursionError:
                coded_context.report_error(GraphQLError("The document nests fragments too deeply to measure"))

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def _fragments(context: ValidationContext) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operation_name(definition: OperationDefinitionNode) -> str:
    return definition.name.value if definition.name else "anonymous"


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """Field nesting depth of each operation, fragments included. An introspection root counts as one
    level: what lies under it has its own budget (`introspection_rule`)."""

    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = _fragments(context)
            self._memo: dict[str, int] = {}
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    depth = self._depth(definition.selection_set, set())
                    if depth > max_depth:
                        context.report_error(
                            GraphQLError(
                                f"Operation '{_operation_name(definition)}' nests {depth} levels deep; "
                                f"the limit is {max_depth}",
                                definition,
                            )
                        )

        def _depth(self, selection_set: SelectionSetNode | None, visiting: set[str]) -> int:
            deepest = 0
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    below = (
                        0
                        if selection.name.value in INTROSPECTION_ROOTS
                        else self._depth(selection.selection_set, visiting)
                    )
                    deepest = max(deepest, 1 + below)
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


def _selections(selection_set: SelectionSetNode | None) -> Iterator[FieldNode | FragmentSpreadNode]:
    """Fields and fragment spreads, with inline fragments flattened."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, InlineFragmentNode):
            yield from _selections(selection.selection_set)
        else:
            yield selection  # type: ignore[misc]


class ExpandedCount:
    """Counts the fields `wanted` under a selection set as if every fragment spread were written out,
    only inside subtrees whose root field is `within` (everywhere when not given).

    Memoised per fragment, so a fragment bomb (each fragment spreading the next twice) costs linear
    time, not 2^n: Strawberry's alias limiter walks every expansion and hangs the event loop on one.
    Stops adding past `cap`; cyclic and unknown spreads count nothing (other rules report them)."""

    def __init__(
        self,
        fragments: dict[str, FragmentDefinitionNode],
        wanted: Callable[[FieldNode], bool],
        cap: int,
        within: Callable[[FieldNode], bool] | None = None,
    ) -> None:
        self._fragments = fragments
        self._wanted = wanted
        self._cap = cap
        self._within = within
        self._memo: dict[tuple[str, bool], int] = {}

    def __call__(self, selection_set: SelectionSetNode | None) -> int:
        return self._count(selection_set, self._within is None, frozenset())

    def _count(self, selection_set: SelectionSetNode | None, inside: bool, visiting: frozenset[str]) -> int:
        total = 0
        for selection in _selections(selection_set):
            if isinstance(selection, FieldNode):
                entered = inside or (self._within is not None and self._within(selection))
                total += (entered and self._wanted(selection)) + self._count(selection.selection_set, entered, visiting)
            else:
                key = (selection.name.value, inside)
                if key not in self._memo and key[0] not in visiting and key[0] in self._fragments:
                    self._memo[key] = self._count(self._fragments[key[0]].selection_set, inside, visiting | {key[0]})
                total += self._memo.get(key, 0)
            if total > self._cap:
                break  # past the cap the exact figure does not matter
        return total


def alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    """Aliases per operation, fragments expanded: each alias makes its field run once more."""

    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            count = ExpandedCount(_fragments(context), lambda field: field.alias is not None, max_aliases)
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode) and count(definition.selection_set) > max_aliases:
                    message = f"Operation '{_operation_name(definition)}' uses more than {max_aliases} aliases"
                    context.report_error(GraphQLError(message, definition))

    return MaxAliases


@dataclass(frozen=True)
class IntrospectionBudget:
    """What one operation's introspection may select: the `ofType` chain (graphql-js's `typeDepth`
    option, 9 by default), and fields counted with every fragment spread expanded."""

    max_type_depth: int
    max_fields: int


def introspection_rule(budget: IntrospectionBudget) -> type[ASTValidationRule]:
    """Measures each operation's introspection subtrees and reports the first budget it breaks."""

    class IntrospectionLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = _fragments(context)
            self._count = ExpandedCount(
                self._fragments,
                lambda _: True,
                budget.max_fields,
                lambda field: field.name.value in INTROSPECTION_ROOTS,
            )
            self._chains: dict[tuple[str, int], int] = {}
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    problem = self._check(definition.selection_set)
                    if problem:
                        message = f"Introspection in operation '{_operation_name(definition)}' {problem}"
                        context.report_error(GraphQLError(message, definition))

        def _check(self, selection_set: SelectionSetNode) -> str | None:
            if self._count(selection_set) > budget.max_fields:
                return f"selects more than {budget.max_fields} fields (fragments expanded)"
            chain = self._chain(selection_set, 0, frozenset())  # `ofType` exists on introspection types only
            if chain > budget.max_type_depth:
                return f"nests `ofType` {chain} levels deep; the limit is {budget.max_type_depth}"
            return None

        def _fragment(self, name: str, visiting: frozenset[str]) -> FragmentDefinitionNode | None:
            """None for unknown or cyclic spreads: other rules report those."""
            return None if name in visiting else self._fragments.get(name)

        def _chain(self, selection_set: SelectionSetNode | None, above: int, visiting: frozenset[str]) -> int:
            """The longest `ofType` chain below, given the one above (it runs on through fragments)."""
            deepest = above
            if above > budget.max_type_depth:
                return deepest  # already over: stop walking
            for selection in _selections(selection_set):
                if isinstance(selection, FieldNode):
                    chain = above + 1 if selection.name.value == "ofType" else 0
                    below = self._chain(selection.selection_set, chain, visiting)
                else:
                    key = (selection.name.value, above)
                    if key not in self._chains:
                        fragment = self._fragment(key[0], visiting)
                        self._chains[key] = (
                            above
                            if fragment is None
                            else self._chain(fragment.selection_set, above, visiting | {key[0]})
                        )
                    below = self._chains[key]
                deepest = max(deepest, below)
            return deepest

    return IntrospectionLimits


class LimitRules(AddValidationRules):
    """Adds our limits, and gives graphql-core's own introspection limit (nested `fields`,
    `interfaces`, `possibleTypes`, `inputFields`) the same code as ours."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            CODED_INTROSPECTION_DEPTH if rule is MaxIntrospectionDepthRule else rule
            for rule in context.validation_rules
        ) + tuple(self.validation_rules)
        yield


CODED_INTROSPECTION_DEPTH = coded(MaxIntrospectionDepthRule)


def schema_extensions(settings: WebSettings) -> list[type[SchemaExtension] | Any]:
    """Caches first (validation is the costly part of a small query), then limits."""
    # Built once: the validation cache keys on the rule classes, so new classes would never hit.
    budget = IntrospectionBudget(settings.max_introspection_type_depth, settings.max_introspection_fields)
    rules = [
        coded(depth_rule(settings.max_query_depth)),
        coded(introspection_rule(budget)),
        coded(alias_rule(settings.max_query_aliases)),
    ]
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: LimitRules(rules),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
