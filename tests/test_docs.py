"""The documentation cites only what the repository holds: every file path in backticks and every relative
link in the README, docs/ and bench/ must exist, so a rename that forgets the docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTS += sorted((ROOT / "bench" / "results").glob("*.md"))
CITED = re.compile(r"`((?:graph|domain|storage|tests|bench|docs|\.ci)/[\w./-]*)`|\]\(([^)#:]+)(?:#[^)]*)?\)")
GENERATED = {"bench/results/matching-data"}  # a data folder bench/matching.py makes and keeps (ignored)


def cited(document: Path) -> list[str]:
    return [m.group(1) or m.group(2) for m in CITED.finditer(document.read_text())]


def exists(path: str, document: Path) -> bool:
    """Paths are relative to the repository, to the document's folder, or (in docs/testing.md) to tests/."""
    path = path.split(":")[0].rstrip("/")
    return path in GENERATED or any((base / path).exists() for base in (ROOT, document.parent, ROOT / "tests"))


def test_every_cited_path_exists() -> None:
    missing = {
        str(document.relative_to(ROOT)): absent
        for document in DOCUMENTS
        if (absent := [path for path in cited(document) if not exists(path, document)])
    }
    assert missing == {}


def test_the_check_sees_citations() -> None:
    readme = cited(ROOT / "README.md")
    assert any(path.startswith("docs/") for path in readme), readme
    assert not exists("graph/no_such_module.py", ROOT / "README.md")


def test_code_cites_only_documents_that_exist() -> None:
    """Docstrings, comments and the Makefile point readers at docs/…: those documents must exist."""
    sources = [ROOT / "Makefile", ROOT / "pyproject.toml"]
    for layer in ("graph", "domain", "storage", "tests", "bench"):
        sources += sorted((ROOT / layer).rglob("*.py"))
    pointer = re.compile(r"\bdocs/[\w./-]+\.md\b")
    missing = {
        str(source.relative_to(ROOT)): absent
        for source in sources
        if "node_modules" not in source.parts
        and (absent := sorted({p for p in pointer.findall(source.read_text()) if not (ROOT / p).exists()}))
    }
    assert missing == {}
