"""The query limits' own cost: linear in the document however its fragments multiply."""

from __future__ import annotations

import random

from graphql import FieldNode, OperationDefinitionNode, parse, validate

from graph.limits import ExpandedCount, IntrospectionBudget, alias_rule, coded, depth_rule, introspection_rule
from graph.schema import build_schema
from graph.server.settings import WebSettings


def bomb(levels: int) -> str:
    spreads = " ".join(f"fragment F{i} on User {{ a: id ...F{i + 1} b: email ...F{i + 1} }}" for i in range(levels))
    return f"{{ me {{ ...F0 }} }} {spreads} fragment F{levels} on User {{ id }}"


def visits(levels: int, cap: int) -> tuple[int, int]:
    """(fields counted, predicate calls) for a bomb of `levels` fragments."""
    return count_aliases(bomb(levels), cap)


def count_aliases(text: str, cap: int) -> tuple[int, int]:
    """(aliased fields counted with fragments expanded, fields visited) for a document."""
    document = parse(text)
    fragments = {d.name.value: d for d in document.definitions if not isinstance(d, OperationDefinitionNode)}
    calls = 0

    def aliased(field: FieldNode) -> bool:
        nonlocal calls
        calls += 1
        return field.alias is not None

    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return ExpandedCount(fragments, aliased, cap)(operation.selection_set), calls


def test_counts_expansions_exactly_below_the_cap() -> None:
    assert visits(3, cap=10**9)[0] == 2 + 2 * 2 + 2 * 4  # each level doubles the aliased fields


def test_fragment_chains_too_deep_to_walk_are_refused() -> None:
    """Thousands of fragments each spreading the next: past Python's recursion, refused with a code."""
    document = parse(
        "{ me { ...F0 } } "
        + " ".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(3000))
        + " fragment F3000 on User { id }"
    )
    schema = build_schema(WebSettings())._schema
    for rule in [depth_rule(12), alias_rule(15), introspection_rule(IntrospectionBudget(9, 500))]:
        errors = validate(schema, document, [coded(rule)])
        assert "QUERY_TOO_COMPLEX" in [(e.extensions or {}).get("code") for e in errors], [e.message for e in errors]


def test_a_fragment_bomb_costs_linear_work() -> None:
    counted, calls = visits(60, cap=10**30)
    assert counted == 2**61 - 2  # the whole expansion, counted exactly
    assert calls <= 3 * 61 + 1  # each fragment's fields visited once


def test_random_fragment_dags_cost_linear_work() -> None:
    """Fragments that spread later ones at random, several times each: every field node is visited once."""
    rng = random.Random(15)
    for _ in range(50):
        size = rng.randint(2, 40)
        bodies = []
        for i in range(size):
            later = [f"...F{rng.randint(i + 1, size)}" for _ in range(rng.randint(0, 4))]
            bodies.append(f"fragment F{i} on User {{ a{i}: id b{i}: email {' '.join(later)} }}")
        text = f"{{ me {{ ...F0 }} }} {' '.join(bodies)} fragment F{size} on User {{ id }}"
        fields = 2 * size + 1  # two aliased fields a fragment, one in the last
        _, calls = count_aliases(text, cap=10**30)
        assert calls <= fields + 1, (size, calls, fields)
