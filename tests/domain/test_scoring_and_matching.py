"""The formulas of resume scores, matches and clusters, checked on hand-made inputs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from domain.clustering import kmeans, label
from domain.matching import JobTerms, level, match, requirement_met, scaled_similarity
from domain.scoring import DEFAULT_WEIGHTS, ResumeFacts, Role, grade, score_resume, years_of
from domain.skills import default_lexicon

LEX = default_lexicon()
TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("score", "letter"),
    [(100, "A+"), (95, "A+"), (94.4, "A"), (94.5, "A+"), (90, "A"), (89, "B+"), (85, "B+"), (84, "B"), (80, "B"),
     (79, "C+"), (75, "C+"), (74, "C"), (70, "C"), (69, "D"), (60, "D"), (59.4, "F"), (0, "F")],
)  # fmt: skip
def test_grade_boundaries(score: float, letter: str) -> None:
    assert grade(score) == letter


def role(start: str, end: str | None, bullets: list[str], current: bool = False) -> Role:
    y, m = map(int, start.split("-"))
    stop = date(*map(int, end.split("-")), 1) if end else None
    return Role("Engineer", "Acme", date(y, m, 1), stop, current, bullets)


def test_years_merge_overlaps_and_count_both_ends() -> None:
    roles = [role("2020-01", "2020-12", []), role("2020-07", "2021-06", []), role("2023-01", None, [], current=True)]
    # 2020-01..2021-06 = 18 months, 2023-01..2026-11 = 47 months
    assert years_of(roles, TODAY) == round(65 / 12, 1)
    unreadable_end = role("2010-01", None, [])  # not current, end unknown: one month, not sixteen years
    assert years_of([unreadable_end], TODAY) == round(1 / 12, 1)


def facts(**overrides: object) -> ResumeFacts:
    values: dict[str, object] = {
        "name": "Ada",
        "email": "a@x.com",
        "phone": "1",
        "summary": "Engineer.",
        "roles": [
            role("2018-11", None, ["Built 3 APIs in Python", "Cut cost 20%", "Responsible for on-call"], current=True)
        ],
        "skills": ["Python", "Kubernetes", "AWS", "PostgreSQL"],
        "education": 1,
        "certifications": [],
        "projects": 1,
        "words": 500,
        "sections": frozenset({"summary", "experience", "skills", "education"}),
    }
    values.update(overrides)
    return ResumeFacts(**values)  # type: ignore[arg-type]


def test_score_parts_follow_their_formulas() -> None:
    report = score_resume(facts(), LEX, today=TODAY)
    b = report.breakdown
    assert b["completeness"] == 100
    assert b["experience"] == 100  # 8 years, every role with two or more bullets, current
    categories = {LEX.category(s) for s in ("Python", "Kubernetes", "AWS", "PostgreSQL")}
    assert b["skills"] == pytest.approx(70 * 4 / 15 + 30 * min(1, len(categories) / 4), abs=0.1)
    assert b["certifications"] == 0
    assert b["impact"] == pytest.approx(60 * 1 + 40 * min(1, (2 / 3) / 0.8), abs=0.1)  # two of three lead with a verb
    assert b["formatting"] == 100
    expected = sum(DEFAULT_WEIGHTS[k] * b[k] for k in DEFAULT_WEIGHTS)
    assert report.overall == pytest.approx(expected, abs=0.2) and report.grade == grade(report.overall)
    assert any("8" in s and "years" in s for s in report.strengths)
    custom = score_resume(facts(), LEX, {**{k: 0.0 for k in DEFAULT_WEIGHTS}, "completeness": 1.0}, today=TODAY)
    assert custom.overall == 100


def test_an_empty_resume_scores_low_and_says_what_to_add() -> None:
    empty = facts(name=None, email=None, phone=None, summary=None, roles=[], skills=[], education=0, projects=0,
                  words=40, sections=frozenset())  # fmt: skip
    report = score_resume(empty, LEX, today=TODAY)
    assert report.overall < 20 and report.grade == "F" and report.total_experience_years == 0
    assert any("email" in i and "summary" in i for i in report.improvements)
    assert report.recommendations[0].startswith("Start with work experience")


def test_match_formula_levels_and_evidence() -> None:
    job = JobTerms("Backend Engineer", ["Python", "Kubernetes", "Terraform"], {"Python": 1.0, "Kubernetes": 0.5,
                   "Terraform": 0.5}, ["4+ years with Python", "Infrastructure as code"], 4)  # fmt: skip
    text = "Summary\nBackend engineer.\n\nExperience\nBuilt APIs in Python on k8s."
    report = match(text, job, years=2, history_similarity=0.55, semantic={"Terraform": ("Pulumi", 0.7)}, lexicon=LEX)
    assert report.matched_skills == ["Python", "Kubernetes"] and report.semantic_skills == ["Terraform"]
    assert report.breakdown["skills"] == pytest.approx(100 * (1.0 + 0.5 + 0.5 * 0.5) / 2.0)
    assert report.breakdown["experience"] == pytest.approx(100 * (0.6 * 1 + 0.4 * 0.5))
    assert report.breakdown["requirements"] == 50  # Python named; "Infrastructure as code" not spoken to
    assert report.percentage == pytest.approx(0.65 * 87.5 + 0.35 * 80, abs=0.1)
    evidence = {e.skill: e for e in report.evidence}
    assert (evidence["Kubernetes"].how, evidence["Kubernetes"].found_as) == ("ALIAS", "k8s")
    assert evidence["Python"].section == "experience" and evidence["Python"].line == "Built APIs in Python on k8s."
    assert evidence["Terraform"].how == "SEMANTIC" and any("Pulumi" in i for i in report.improvements)
    assert any("4+ years" in i for i in report.improvements)
    assert [level(p) for p in (100, 75, 74.9, 60, 59.9, 45, 44.9, 0)] == [
        "EXCELLENT", "EXCELLENT", "GOOD", "GOOD", "FAIR", "FAIR", "WEAK", "WEAK"]  # fmt: skip
    assert scaled_similarity(0.1) == 0 and scaled_similarity(0.35) == pytest.approx(0.5) and scaled_similarity(0.9) == 1
    assert requirement_met("Strong SQL and data modeling", "data modeling in sql", set(), [])
    no_skills = JobTerms("Chef", [], {"cooking": 0.9, "menus": 0.4}, [], None)
    assert match("Cooking for 200 guests", no_skills, years=0, history_similarity=0.5, semantic={}, lexicon=LEX
                 ).matched_skills == ["cooking"]  # fmt: skip
    walker = JobTerms("Dog Walker", [], {"dog": 0.9, "walker": 0.8}, [], None)
    alone = match("Walked dogs daily", walker, years=0, history_similarity=0.55, semantic={}, lexicon=LEX)
    assert alone.missing_skills == [] and alone.percentage == alone.breakdown["experience"] == 100  # no skills asked
    weighted = match(text, job, years=2, history_similarity=0.55, semantic={}, lexicon=LEX, skills_weight=1.3,
                     experience_weight=0.7)  # fmt: skip
    assert 0 <= weighted.percentage <= 100


def test_kmeans_separates_clear_groups_and_labels_them() -> None:
    rng = np.random.default_rng(0)
    a, b = np.eye(8)[0], np.eye(8)[1]
    vectors = np.stack(
        [a + 0.05 * rng.standard_normal(8) for _ in range(5)] + [b + 0.05 * rng.standard_normal(8) for _ in range(5)]
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assignment = kmeans(vectors, 2)
    assert len(set(assignment[:5])) == 1 and len(set(assignment[5:])) == 1 and assignment[0] != assignment[5]
    assert kmeans(vectors, 2) == assignment  # deterministic

    class Posting:
        def __init__(self, keywords: dict[str, float], skills: list[str]) -> None:
            self.keywords = [{"term": t, "weight": w} for t, w in keywords.items()]
            self.skills = skills

    jobs = [Posting({"Swift": 1.0, "iOS": 0.8}, ["Swift"]), Posting({"Swift": 0.9, "UIKit": 0.5}, ["Swift", "UIKit"])]
    assert label(jobs)[:2] == ["Swift", "iOS"]
