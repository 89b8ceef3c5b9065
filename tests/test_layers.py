"""The layer rule: graph → domain → storage, never upward (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "storage": {"domain", "graph", "strawberry", "starlette"},
    "domain": {"graph", "strawberry", "starlette"},
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_downward_only(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
        if imported_roots(path) & FORBIDDEN[layer]
    }
    assert offenders == {}


COMPOSITION_ROOT = {"graph/server/app.py", "graph/server/cli.py"}  # they build storage and hand it to the services


def storage_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for each thing `path` imports from storage; name None for a whole module."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "storage"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "storage":
            found += [(node.module, alias.name) for alias in node.names]
    return found


def test_graph_reads_storage_rows_and_nothing_else() -> None:
    """The graph layer may hold storage rows as read-only views of records (its types map them); it never
    queries or writes storage itself: repositories, sessions, stores and the engine are reached through
    domain services, and only the composition root wires storage in (docs/architecture.md, "Layers")."""
    offenders = []
    for path in sorted((ROOT / "graph").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in COMPOSITION_ROOT:
            continue
        for module, name in storage_imports(path):
            imported = getattr(importlib.import_module(module), name) if name else None
            if not (isinstance(imported, type) and hasattr(imported, "__table__")):
                offenders.append(f"{relative}: {module}{'.' + name if name else ''}")
    assert offenders == []
