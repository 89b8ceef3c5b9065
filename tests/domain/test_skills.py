"""The skills lexicon: the root of match quality, so its matcher is tested hard."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from domain.skills import Lexicon, Skill, default_lexicon


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return default_lexicon()


def found(lex: Lexicon, text: str) -> list[str]:
    return lex.skills_in(text)


class TestShippedData:
    def test_is_large_and_consistent(self, lex: Lexicon) -> None:
        data = json.loads(resources.files("domain").joinpath("data/skills.json").read_text("utf-8"))
        assert len(data["skills"]) >= 400
        assert len(lex) == len(data["skills"])
        categories = {s["category"] for s in data["skills"]}
        assert {"language", "database", "cloud", "devops", "ml", "soft"} <= categories

    @pytest.mark.parametrize(
        ("alias", "canonical"),
        [
            ("JS", "JavaScript"),
            ("js", "JavaScript"),
            ("k8s", "Kubernetes"),
            ("Postgres", "PostgreSQL"),
            ("postgres", "PostgreSQL"),
            ("ML", "Machine Learning"),
            ("TS", "TypeScript"),
            ("Golang", "Go"),
            ("ReactJS", "React"),
            ("sklearn", "scikit-learn"),
            ("AWS", "AWS"),
            ("Amazon Web Services", "AWS"),
        ],
    )
    def test_aliases_resolve(self, lex: Lexicon, alias: str, canonical: str) -> None:
        assert lex.canonical(alias) == canonical

    def test_unknown_terms(self, lex: Lexicon) -> None:
        assert lex.canonical("underwater basket weaving") is None
        assert lex.normalise(["k8s", " Kubernetes ", "Basket  weaving", "basket weaving"]) == [
            "Kubernetes",
            "Basket weaving",
        ]


class TestWholeWords:
    def test_java_is_not_inside_javascript(self, lex: Lexicon) -> None:
        assert found(lex, "Strong JavaScript skills") == ["JavaScript"]
        assert found(lex, "Java and JavaScript") == ["Java", "JavaScript"]

    def test_sql_is_not_inside_postgresql(self, lex: Lexicon) -> None:
        assert found(lex, "We run PostgreSQL 16") == ["PostgreSQL"]
        assert "SQL" in found(lex, "Advanced SQL, PostgreSQL")

    def test_symbols_in_names(self, lex: Lexicon) -> None:
        assert found(lex, "C++ and C# on .NET, with Node.js services") == ["C++", "C#", ".NET", "Node.js"]
        assert "C" not in found(lex, "C++ developer")

    def test_node_is_not_cut_from_node_js(self, lex: Lexicon) -> None:
        matches = lex.find("Backend in Node.js.")
        assert [(m.skill, m.surface) for m in matches] == [("Node.js", "Node.js")]

    def test_case_insensitive_and_punctuation(self, lex: Lexicon) -> None:
        assert found(lex, "PYTHON/django, kubernetes; DOCKER.") == ["Python", "Django", "Kubernetes", "Docker"]

    def test_multiword_and_spacing(self, lex: Lexicon) -> None:
        assert found(lex, "machine   learning and\nMachine Learning") == ["Machine Learning"]
        assert "Machine Learning" not in found(lex, "learning machine")

    def test_not_inside_emails_or_urls_words(self, lex: Lexicon) -> None:
        assert found(lex, "mail go@python.org") == []
        assert "Rust" not in found(lex, "trustworthy")
        assert "R" not in found(lex, "R&D budget")

    def test_positions_point_at_the_text(self, lex: Lexicon) -> None:
        text = "Use k8s and Postgres"
        for match in lex.find(text):
            assert text[match.start : match.end] == match.surface
        assert [m.skill for m in lex.find(text)] == ["Kubernetes", "PostgreSQL"]


class TestAmbiguousWords:
    def test_go_as_the_language(self, lex: Lexicon) -> None:
        assert "Go" in found(lex, "Services written in Go and Python")
        assert "Go" in found(lex, "Experience with Go")
        assert "Go" in found(lex, "3+ years of Go development")
        assert "Go" in found(lex, "Languages: Python, Go, Rust")

    def test_go_as_a_verb(self, lex: Lexicon) -> None:
        assert "Go" not in found(lex, "We go above and beyond for customers")
        assert "Go" not in found(lex, "Go to market with us. Python is nice.")
        assert "Go" not in found(lex, "Ready to go. We use Python.")

    def test_rest_of_the_team(self, lex: Lexicon) -> None:
        assert found(lex, "Work with the rest of the team") == []
        assert lex.canonical("REST") is not None
        assert lex.canonical("REST") in found(lex, "Design REST APIs in Python")

    def test_single_letters(self, lex: Lexicon) -> None:
        assert "R" in found(lex, "Statistics in R and Python")
        assert "R" not in found(lex, "Plan A or plan R")
        assert "C" in found(lex, "Systems programming in C and Rust")

    def test_ordinary_words_need_capitals(self, lex: Lexicon) -> None:
        assert found(lex, "a swift response and rust on the car") == []
        assert "Swift" in found(lex, "iOS apps in Swift and Objective-C")


def test_a_custom_lexicon_refuses_clashing_aliases() -> None:
    with pytest.raises(ValueError, match="names both"):
        Lexicon([Skill("Kubernetes", "devops", ("k8s",)), Skill("Kustomize", "devops", ("k8s",))])


def test_a_custom_lexicon_matches_its_own_terms() -> None:
    lex = Lexicon([Skill("Widget Design", "design", ("widgets",)), Skill("Gadgets", "tool")])
    assert lex.skills_in("We need WIDGETS and gadgets; widget design too") == ["Widget Design", "Gadgets"]


@pytest.mark.parametrize(
    ("text", "skills"),
    [
        ("Strong R skills.", ["R"]),
        ("We need Rust experience.", ["Rust"]),
        ("Experience with Go or Rust", ["Go", "Rust"]),
        ("Ann Arbor, MI", []),
        ("store user ids", []),
        ("Present findings to the C-suite", []),
        ("React quickly to incidents using PagerDuty", ["PagerDuty"]),
        ("Swift resolution of tickets in Zendesk", ["Zendesk"]),
        ("Lean on your experience with AWS", ["AWS"]),
    ],
)
def test_review_cases(lex: Lexicon, text: str, skills: list[str]) -> None:
    assert found(lex, text) == skills


def test_skills_among_agrees_with_a_full_scan() -> None:
    lexicon = default_lexicon()
    text = "Go or Rust; we go home. Built k8s clusters with Terraform, React and Node.js; C++ and C."
    names = ["Go", "Kubernetes", "Terraform", "React", "Node.js", "C++", "Java", "Not A Skill"]
    expected = [s for s in lexicon.skills_in(text) if s in names]
    assert lexicon.skills_among(text, names) == expected and "Java" not in expected
    assert lexicon.skills_among(text, []) == [] and lexicon.skills_among(text, ["Not A Skill"]) == []
