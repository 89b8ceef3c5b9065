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


def web_only_names() -> set[str]:
    """What `WebSettings` adds to the domain's `Settings`: its fields, and the properties it defines."""
    from domain.settings import Settings
    from graph.server.settings import WebSettings

    fields = set(WebSettings.model_fields) - set(Settings.model_fields)
    properties = {name for name, value in vars(WebSettings).items() if isinstance(value, property)}
    return fields | (properties - set(dir(Settings)))


def settings_reads(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) for each `<something named *settings>.<name>` in `source`: `settings.port`,
    `self._settings.port`, `services.settings.port`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            owner = node.value
            label = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if label.lower().endswith("settings"):
                found.append((node.lineno, node.attr))
    return found


def test_settings_reads_sees_the_ways_settings_are_reached() -> None:
    source = "settings.port\nself._settings.host\nservices.settings.graphiql\nurl.port\nself.workers\n"
    assert settings_reads(source, {"port", "host", "graphiql", "workers"}) == [
        (1, "port"),
        (2, "host"),
        (3, "graphiql"),
    ]


def test_domain_and_storage_read_no_web_setting() -> None:
    """Web settings live at the edge (graph/server/settings.py) because only the edge reads them; a domain
    or storage module reading one would tie what Tailor does to how it is served (docs/architecture.md)."""
    names = web_only_names()
    assert {"host", "port", "cors_origins", "max_query_depth", "log_level"} <= names
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: settings.{name}"
        for layer in ("domain", "storage")
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, name in settings_reads(path.read_text(), names)
    ]
    assert offenders == [], "a web setting read below the edge: move the setting to domain/settings.py"


def test_web_settings_add_to_the_domains_without_redefining_them() -> None:
    """graph/server/settings.py declares only fields of its own, and reads the same environment the same way."""
    from domain.settings import Settings
    from graph.server.settings import WebSettings

    path = ROOT / "graph" / "server" / "settings.py"
    declared = {
        node.target.id
        for cls in ast.walk(ast.parse(path.read_text()))
        if isinstance(cls, ast.ClassDef) and cls.name == "WebSettings"
        for node in cls.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert declared and declared.isdisjoint(Settings.model_fields)
    assert declared == set(WebSettings.model_fields) - set(Settings.model_fields)
    assert WebSettings.model_config == Settings.model_config


def test_tests_share_through_tests_support_only() -> None:
    """A test module imports what tests share from tests/support/, never from another test module or from
    conftest.py (which holds fixtures and hooks only, and may itself import only tests.support)."""
    tests = ROOT / "tests"
    offenders = []
    for path in sorted(tests.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[:2] == ("tests", "support"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.ImportFrom):  # relative: `from . import x`, `from .test_y import z`
                modules = [f"<relative {'.' * node.level}{node.module or ''}>"]
            else:
                continue
            for module in modules:
                if module.startswith("<relative") or (
                    module.split(".")[0] == "tests" and module.split(".")[:2] != ["tests", "support"]
                ):
                    offenders.append(f"{relative}:{node.lineno}: {module}")
    assert offenders == [], "move what is shared into tests/support/ and import it from there"
