"""The truthfulness check finds what generated text claims without support."""

from __future__ import annotations

import pytest

from domain.ai.truthfulness import TruthChecker
from domain.skills import default_lexicon

SOURCES = [
    "Senior Engineer at Harbor Health, 2019-03 to present. Cut p95 latency by 40% for 2,000 clinics.",
    "Built Python services on Kubernetes; migrated PostgreSQL. Studied at State University.",
]
JOB = "Backend Engineer at Northwind. Requirements: Python, Redis, AWS."


@pytest.fixture(scope="module")
def checker() -> TruthChecker:
    return TruthChecker(default_lexicon())


def kinds(claims: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(c.kind, c.text) for c in claims}


def test_faithful_text_has_no_claims(checker: TruthChecker) -> None:
    text = (
        "As a Senior Engineer at Harbor Health I cut p95 latency by 40 percent for 2000 clinics. "
        "I built Python services on Kubernetes and would bring that to Northwind, where Redis matters."
    )
    assert checker.check(text, [*SOURCES, JOB]) == []


def test_invented_numbers_employers_and_technologies(checker: TruthChecker) -> None:
    text = (
        "At Google I cut latency by 75%. I led a team of 12 engineers. "
        "I shipped Rust services at Harbor Health. I studied at Stanford University."
    )
    found = kinds(checker.check(text, [*SOURCES, JOB]))
    assert {("name", "Google"), ("number", "75%"), ("number", "12"), ("technology", "Rust")} <= found
    assert ("name", "Stanford University") in found or ("name", "Stanford") in found
    assert not any(text == "Harbor Health" for _, text in found)


def test_strip_removes_only_unsupported_sentences(checker: TruthChecker) -> None:
    text = "I built Python services on Kubernetes. I also ran Oracle databases at Initech for 9 years."
    kept, warnings = checker.strip_unsupported(text, SOURCES)
    assert kept == "I built Python services on Kubernetes."
    assert any("Initech" in w for w in warnings) and any("9" in w for w in warnings)
    assert any("Oracle" in w for w in warnings)


def test_numbers_match_in_any_common_spelling(checker: TruthChecker) -> None:
    assert checker.check("Served 2000 clinics with 40 percent less latency.", SOURCES) == []
    assert checker.check("Since 2019 I have worked on scheduling.", SOURCES) == []
    assert kinds(checker.check("Since 2017 I have worked on scheduling.", SOURCES)) == {("number", "2017")}
