"""Resumes in several layouts parse into the right structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.documents.resume_parsing import parse_point, parse_resume
from domain.errors import ResumeParsingFailed
from domain.skills import default_lexicon

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "resumes"
LEX = default_lexicon()


def test_maya_chen() -> None:
    resume = parse_resume((FIXTURES / "maya_chen.txt").read_text(), LEX)
    assert (resume.name, resume.email, resume.phone, resume.location) == (
        "Maya Chen",
        "maya.chen@example.com",
        "+1-206-555-0142",
        "Seattle, WA",
    )
    assert resume.links == ["linkedin.com/in/mayachen", "github.com/mayachen"]
    assert [(e.title, e.company, e.location, e.start, e.end, e.current) for e in resume.experiences] == [
        ("Senior Software Engineer", "Northwind Logistics", "Seattle, WA", "2021-03", None, True),
        ("Software Engineer", "Brightleaf Analytics", "Portland, OR", "2018-06", "2021-02", False),
        ("Junior Developer", "CityWorks Digital", "Portland, OR", "2017-07", "2018-05", False),
    ]
    assert [len(e.bullets) for e in resume.experiences] == [4, 3, 1]
    assert resume.experiences[0].bullets[1].startswith("Cut p95 latency")
    assert [p.name for p in resume.projects] == ["Shipwatch", "Recipe Graph"]
    assert {"Python", "PostgreSQL", "Kubernetes", "Terraform", "AWS", "pytest"} <= set(resume.skills)
    assert [(e.institution, e.degree, e.field_of_study) for e in resume.education] == [
        ("Oregon State University", "B.S.", "Computer Science")
    ]
    assert [(c.name, c.year) for c in resume.certifications] == [
        ("AWS Certified Solutions Architect - Associate", 2022)
    ]


def test_daniel_okafor() -> None:
    resume = parse_resume((FIXTURES / "daniel_okafor.txt").read_text(), LEX)
    assert (resume.name, resume.phone, resume.location) == ("Daniel Okafor", "(512) 555-0199", "Austin, TX")
    assert resume.summary and resume.summary.startswith("Product-minded frontend developer")
    assert [(e.title, e.company, e.location, e.start, e.end, e.current) for e in resume.experiences] == [
        ("Frontend Engineer", "Ledgerly", "Austin, TX", "2022-01", None, True),
        ("Web Developer", "Cartwheel Commerce", "Remote", "2019-08", "2021-12", False),
    ]
    assert {"React", "TypeScript", "Next.js", "Jest"} <= set(resume.skills)
    assert resume.education[0].institution == "University of Texas at Austin"


def test_professional_experience_with_numeric_dates() -> None:
    resume = parse_resume(
        "Priya Raman\npriya@example.com\n\nProfessional Experience\n"
        "Data Analyst at Harbor Health\n03/2019 to 05/2021\n• Built Tableau dashboards for 12 clinics\n"
        "Analytics Intern, Blue Fern Co, 2018-06 - 2018-09\n• Cleaned survey data in Python\n\n"
        "Technical Skills\nSQL; Tableau; Python\n\nEducation\nMSc in Statistics — University of Leeds — 2018\n",
        LEX,
    )
    assert [(e.title, e.company, e.start, e.end) for e in resume.experiences] == [
        ("Data Analyst", "Harbor Health", "2019-03", "2021-05"),
        ("Analytics Intern", "Blue Fern Co", "2018-06", "2018-09"),
    ]
    assert resume.experiences[0].bullets == ["Built Tableau dashboards for 12 clinics"]
    assert resume.skills == ["SQL", "Tableau", "Python"]
    assert (resume.education[0].degree, resume.education[0].field_of_study) == ("MSc", "Statistics")
    assert resume.education[0].institution == "University of Leeds"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 2020", (2020, 1)),
        ("March 2021", (2021, 3)),
        ("Sept 2019", (2019, 9)),
        ("2019-03", (2019, 3)),
        ("03/2019", (2019, 3)),
        ("2017", (2017, None)),
        ("2019-13", None),
        ("Smarch 2020", None),
    ],
)
def test_dates(text: str, expected: tuple[int, int | None] | None) -> None:
    point = parse_point(text)
    assert (None if point is None else (point.year, point.month)) == expected


def test_text_that_is_not_a_resume() -> None:
    with pytest.raises(ResumeParsingFailed) as error:
        parse_resume("Grocery list: eggs, flour, milk. Call mum on Sunday.", LEX)
    assert error.value.field == "file"
