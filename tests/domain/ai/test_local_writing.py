"""The local provider's longer answers: real properties, all facts from the person's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.ai.llm import JobBrief, LetterRequest, RankCandidate
from domain.ai.local import LocalProvider
from domain.ai.style import measure
from domain.ai.truthfulness import TruthChecker
from domain.job_parsing import parse_job
from domain.skills import default_lexicon

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LEX = default_lexicon()


def brief(name: str = "senior_backend_python") -> JobBrief:
    job = parse_job((FIXTURES / "jobs" / f"{name}.txt").read_text(), LEX)
    return JobBrief(job.title, job.company, job.skills, {k.term: k.weight for k in job.keywords}, job.requirements)


RESUME = (FIXTURES / "resumes" / "maya_chen.txt").read_text()
CANDIDATES = [
    RankCandidate("p1", "project", "Open-source CLI", "Wrote a CLI in Rust for log search.", 0.41, ["Rust"]),
    RankCandidate(
        "e1",
        "experience",
        "Backend Engineer at Ledgerly",
        "Built Python APIs on Kubernetes in AWS; cut p95 latency by 35%.",
        0.83,
        ["Python", "Kubernetes", "AWS"],
    ),
    RankCandidate(
        "e2",
        "experience",
        "Developer at Shopwise",
        "Maintained PostgreSQL schemas for 40 stores.",
        0.62,
        ["PostgreSQL"],
    ),
]


@pytest.fixture
def local() -> LocalProvider:
    return LocalProvider(LEX)


async def test_rank_keeps_the_computed_order_and_explains_it(local: LocalProvider) -> None:
    result = await local.rank_items(CANDIDATES, brief())
    assert result.order == ["e1", "e2", "p1"]
    assert "Backend Engineer at Ledgerly ranks first" in result.rationale
    assert "Python" in result.rationale
    gaps = result.rationale.split("None of your items mention ", 1)[1]
    job = brief()
    assert "FastAPI" in gaps and all(skill not in gaps for skill in ["Python", "Kubernetes", "AWS", "PostgreSQL"])
    assert set(job.skills) >= {s.strip() for s in gaps.split(", which")[0].replace(" and ", ", ").split(", ")}
    assert (await local.rank_items([], brief())).order == []


async def test_cover_letter_uses_only_the_persons_facts_and_their_register(local: LocalProvider) -> None:
    job = brief()
    formal = measure("I am writing to express my sincere interest. Furthermore, I would therefore welcome it.")
    casual = measure("Hey! I'm super excited! This stuff is awesome and I'd love to chat!")
    request = LetterRequest("Maya Chen", job, CANDIDATES[1:], ["Python", "Kubernetes", "PostgreSQL"], formal)
    letter = await local.write_cover_letter(request)
    text = letter.text
    assert text.startswith("Dear Hiring Manager,") and text.rstrip().endswith("Maya Chen")
    assert "Senior Backend Engineer (Python)" in text and "Harbor Health" in text
    assert "As Backend Engineer at Ledgerly, I built Python APIs on Kubernetes in AWS" in text
    assert "Sincerely" in text
    sources = (
        [c.text for c in CANDIDATES]
        + [c.title for c in CANDIDATES]
        + [
            "Maya Chen",
            "Dear Hiring Manager Sincerely Best regards",
            (FIXTURES / "jobs" / "senior_backend_python.txt").read_text(),
        ]
    )
    assert TruthChecker(LEX).check(text, sources) == []
    assert letter.notes and "FastAPI" in letter.notes[0] and "Python" not in letter.notes[0]
    relaxed = await local.write_cover_letter(LetterRequest("Maya Chen", job, CANDIDATES[1:], ["Python"], casual))
    assert "Best regards" in relaxed.text and "I'd like to apply" in relaxed.text


async def test_analysis_scores_and_names_gaps(local: LocalProvider) -> None:
    job = brief()
    good = await local.analyse_resume(
        "Python, FastAPI, PostgreSQL, Redis, Docker, Kubernetes, Terraform, AWS, "
        "GraphQL, REST APIs, CI/CD, GitHub Actions. 6 years of software engineering.",
        job,
    )
    weak = await local.analyse_resume("Baker. Sourdough and pastry for 6 years.", job)
    assert good.score_breakdown["overall"] > weak.score_breakdown["overall"]
    assert set(good.score_breakdown) == {"skills", "keywords", "requirements", "overall"}
    assert all(0 <= v <= 100 for v in good.score_breakdown.values())
    assert "Python" in good.matched_skills and "Python" in weak.missing_skills
    assert weak.assessment.startswith("A weak match")


async def test_suggestions_are_five_to_seven_and_tied_to_the_resume(local: LocalProvider) -> None:
    result = await local.suggest_improvements(RESUME, brief())
    assert 5 <= len(result.suggestions) <= 7
    priorities = [s.priority for s in result.suggestions]
    assert priorities == sorted(priorities, key=["HIGH", "MEDIUM", "LOW"].index)
    assert all(s.text and s.reasoning and s.expected_impact and s.section for s in result.suggestions)
    thin = await local.suggest_improvements("- Responsible for deployments\n- Worked on the API", brief())
    texts = " ".join(s.text for s in thin.suggestions)
    assert "Quantify" in texts or "Lead with" in texts
    assert 5 <= len(thin.suggestions) <= 7


async def test_rewrite_adds_no_missing_keyword_and_says_so(local: LocalProvider) -> None:
    text = "- Responsible for maintaining Python services\n- Worked on the billing API"
    result = await local.rewrite_section("experience", text, brief())
    assert result.text == "- Maintained Python services.\n- Contributed to the billing API."
    assert "FastAPI" not in result.text and any("FastAPI" in note for note in result.notes)
    assert not any("Python" in note for note in result.notes)
    assert TruthChecker(LEX).check(result.text, [text]) == []
