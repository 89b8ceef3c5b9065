"""Domain errors speak the domain's language (domain/errors.py): fields by their snake_case names, no API
operation named in a message; graph/errors.py alone turns them into the API's words."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import graphql

from graph.schema import export_sdl

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = sorted((ROOT / "domain").rglob("*.py"))


def parsed() -> Iterator[tuple[str, ast.Module]]:
    for path in DOMAIN:
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def literal_parts(node: ast.expr) -> Iterator[str]:
    """The literal text of a string, or of an f-string's constant parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield from (
            part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from literal_parts(element)


def is_field_parameter(name: str) -> bool:
    return name == "field" or name.endswith("_field") or name == "mentions"


def field_positions() -> dict[str, set[int]]:
    """Domain functions that take a field name: function name → positions (as called) of those parameters."""
    positions: dict[str, set[int]] = {}
    for _, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = [arg.arg for arg in [*node.args.posonlyargs, *node.args.args]]
                offset = 1 if params[:1] in (["self"], ["cls"]) else 0
                found = {i - offset for i, name in enumerate(params) if is_field_parameter(name)}
                if found:
                    positions.setdefault(node.name, set()).update(found)
    return positions


def test_domain_errors_name_fields_in_snake_case() -> None:
    positions = field_positions()
    offenders = []
    for relative, tree in parsed():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            named = [keyword.value for keyword in node.keywords if keyword.arg and is_field_parameter(keyword.arg)]
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            named += [arg for i, arg in enumerate(node.args) if i in positions.get(function or "", set())]
            offenders += [
                f"{relative}:{node.lineno}: {text!r}"
                for value in named
                for text in literal_parts(value)
                if any(ch.isupper() for ch in text)
            ]
    assert offenders == []


def documentation(tree: ast.Module) -> set[int]:
    """Docstrings and `description=` texts (settings' documentation): they may name the API."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
        if isinstance(node, ast.keyword) and node.arg == "description":
            ids.update(id(inner) for inner in ast.walk(node.value))
    return ids


def test_no_domain_message_names_an_api_operation() -> None:
    """Operation names of more than one word (`rankContent`, `improveResume`); one-word ones (`login`,
    `job`) are plain English too. A step to take is a `NextStep` on the error instead."""
    schema = graphql.build_schema(export_sdl())
    operations = {
        name
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root is not None
        for name in root.fields
        if any(ch.isupper() for ch in name)
    }
    assert {"rankContent", "improveResume", "uploadResume"} <= operations
    pattern = re.compile(r"\b(" + "|".join(sorted(operations, key=len, reverse=True)) + r")\b")
    offenders = []
    for relative, tree in parsed():
        skip = documentation(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                offenders += [f"{relative}:{node.lineno}: {match}" for match in pattern.findall(node.value)]
    assert offenders == []
