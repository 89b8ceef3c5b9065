"""Job postings in many shapes parse into the right fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import JobParsingFailed
from domain.job_parsing import Level, level_for, parse_job, years_required
from domain.skills import default_lexicon

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jobs"
LEX = default_lexicon()


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_job(text, LEX)


def test_data_engineer_fixture() -> None:
    job = parse((FIXTURES / "data_engineer.txt").read_text())
    assert (job.title, job.company, job.location) == ("Data Engineer", "Acme Retail Group", "Chicago, IL")
    assert (job.level, job.years_required) == (Level.MID, 3)
    assert {"Python", "Scala", "Airflow", "Snowflake", "BigQuery", "SQL", "dbt", "Apache Kafka"} <= set(job.skills)
    assert len(job.requirements) == 4
    assert job.nice_to_haves == ["Experience with Kafka or Spark Streaming is a plus"]


def test_frontend_fixture() -> None:
    job = parse((FIXTURES / "frontend_react.txt").read_text())
    assert (job.title, job.company, job.location) == ("Frontend Engineer, Growth", "Pinecrest Bank", "Remote (US)")
    assert (job.level, job.years_required) == (Level.MID, 3)
    assert {"React", "TypeScript", "CSS", "Jest", "Cypress", "GraphQL"} <= set(job.skills)
    assert job.responsibilities[0] == "Build accessible, fast user interfaces with React and TypeScript"
    assert len(job.requirements) == 3 and len(job.nice_to_haves) == 1


def test_senior_backend_fixture() -> None:
    job = parse((FIXTURES / "senior_backend_python.txt").read_text())
    assert job.title == "Senior Backend Engineer (Python)"
    assert (job.company, job.location) == ("Harbor Health", "Seattle, WA (hybrid)")
    assert (job.level, job.years_required) == (Level.SENIOR, 5)
    assert {"Python", "FastAPI", "Django", "PostgreSQL", "Redis", "Docker", "Kubernetes", "Terraform"} <= set(
        job.skills
    )
    assert job.nice_to_haves == ["GraphQL (Strawberry or Graphene)", "HIPAA or healthcare experience"]
    weights = {k.term: k.weight for k in job.keywords}
    assert weights["Python"] == 1.0 and weights["HIPAA"] < weights["Python"]


def test_numbered_with_qualifications_heading() -> None:
    job = parse(
        "Staff Platform Engineer at Northwind Labs\n"
        "Location: Austin, TX\n\n"
        "Your role:\n1) Run our Kubernetes fleet\n2) Build internal tooling in Go\n\n"
        "Qualifications:\n1. 8-10 years in infrastructure\n2. Deep Linux and networking knowledge\n"
        "3. Terraform at scale\n\nPreferred:\n1. Rust experience\n"
    )
    assert (job.title, job.company, job.location) == ("Staff Platform Engineer", "Northwind Labs", "Austin, TX")
    assert (job.level, job.years_required) == (Level.LEAD, 8)
    assert job.responsibilities == ["Run our Kubernetes fleet", "Build internal tooling in Go"]
    assert len(job.requirements) == 3 and job.nice_to_haves == ["Rust experience"]
    assert {"Kubernetes", "Go", "Linux", "Terraform", "Rust"} <= set(job.skills)


def test_what_youll_bring_and_wrapped_bullets() -> None:
    job = parse(
        "Title: Junior Data Analyst\nCompany: Blue Fern Co\n\n"
        "What you'll bring\n• 1+ year with SQL and Excel,\n  ideally in retail\n• Tableau dashboards\n"
        "What you'll do\n• Report weekly KPIs\n"
    )
    assert (job.title, job.company) == ("Junior Data Analyst", "Blue Fern Co")
    assert job.level is Level.ENTRY and job.years_required == 1
    # "ideally" qualifies a requirement; it does not make the whole item optional
    assert job.requirements == ["1+ year with SQL and Excel, ideally in retail", "Tableau dashboards"]
    assert job.nice_to_haves == []
    assert job.responsibilities == ["Report weekly KPIs"]


def test_one_paragraph_posting() -> None:
    job = parse(
        "Lumen Analytics is hiring a Machine Learning Engineer in Boston, MA. You will build and ship models "
        "for demand forecasting. You must have 4+ years of Python and strong PyTorch skills. "
        "Experience with Spark is a plus."
    )
    assert job.company == "Lumen Analytics"
    assert job.location == "Boston, MA"
    assert job.years_required == 4 and job.level is Level.MID
    assert {"Machine Learning", "Python", "PyTorch"} <= set(job.skills)
    assert any("PyTorch" in r for r in job.requirements)
    assert job.nice_to_haves == ["Experience with Spark is a plus"]


def test_nothing_recognisable_fails_and_says_what_was_missing() -> None:
    for text in [
        "lorem ipsum dolor sit amet, consectetur adipiscing elit. sed do eiusmod tempor.",
        "Hello world\nThis is my shopping list",
        "   \n\n  ",
    ]:
        with pytest.raises(JobParsingFailed) as error:
            parse(text)
        assert "job title" in error.value.message and "skill" in error.value.message
        assert error.value.field == "raw_text"


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("5+ years of experience", 5),
        ("3-5 years", 3),
        ("at least two years", 2),
        ("2 yrs Python, 6+ years overall", 6),
        ("no experience needed", None),
        ("401(k) match", None),
        ("1.5 years", None),
    ],
)
def test_years(text: str, years: int | None) -> None:
    assert years_required(text) == years


@pytest.mark.parametrize(
    ("title", "years", "level"),
    [
        ("Senior Engineer", None, Level.SENIOR),
        ("Sr. Developer", 2, Level.SENIOR),
        ("Engineering Manager", None, Level.LEAD),
        ("Principal Engineer", None, Level.LEAD),
        ("Tech Lead", None, Level.LEAD),
        ("Junior Developer", 5, Level.ENTRY),
        ("Software Engineer Intern", None, Level.ENTRY),
        ("Software Engineer", 1, Level.ENTRY),
        ("Software Engineer", 3, Level.MID),
        ("Software Engineer", 6, Level.SENIOR),
        ("Software Engineer", None, Level.MID),
        ("Product Manager", None, Level.MID),
    ],
)
def test_levels(title: str, years: int | None, level: Level) -> None:
    assert level_for(title, years) is level


@pytest.mark.parametrize(
    "text",
    ["Aa-" * 16000, "Go " * 16600, "C " * 17000, "Benefits: " + "a, " * 16600, "Aaaa Bbbb " * 4900 + "is"],
)
def test_hostile_postings_parse_or_fail_cleanly(text: str) -> None:
    """Shapes that once backtracked for 5-27 s (bench/parsing.py measures them): a job or a clean refusal."""
    try:
        job = parse("Backend Engineer\n" + text)
    except JobParsingFailed as error:
        assert error.field == "raw_text"
    else:
        assert job.title == "Backend Engineer"


def test_markdown_curly_quotes_and_a_salary_line() -> None:
    job = parse(
        "## Staff Software Engineer, Platform\n**Company:** Quill AI\nSalary: $180k-$220k\n"
        "Location: Hybrid - London, UK\n\n**What you’ll do**\n- Build the platform in Go\n\n"
        "### Requirements & Qualifications\n- 6+ years with Go and Kubernetes\n"
        "- Experience with PostgreSQL; Redis is a plus\n"
        "\n**Nice-to-haves**\n- Rust\n"
    )
    assert (job.title, job.company) == ("Staff Software Engineer, Platform", "Quill AI")
    assert job.location == "Hybrid - London, UK" and job.level is Level.LEAD
    assert job.responsibilities == ["Build the platform in Go"]
    assert job.requirements == ["6+ years with Go and Kubernetes", "Experience with PostgreSQL"]
    assert sorted(job.nice_to_haves) == ["Redis is a plus", "Rust"]


@pytest.mark.parametrize(
    ("header", "title", "company", "location"),
    [
        ("Senior Software Engineer - Backend\nLocation: Denver, CO", "Senior Software Engineer", None, "Denver, CO"),
        ("Backend Engineer | Remote | $150k", "Backend Engineer", None, "Remote"),
        (
            "Software Engineer, Backend\nSan Francisco, CA or Remote",
            "Software Engineer, Backend",
            None,
            "San Francisco, CA",
        ),
        (
            "Embedded Software Engineer\nVoltaic Systems — Detroit, MI",
            "Embedded Software Engineer",
            "Voltaic Systems",
            "Detroit, MI",
        ),
    ],
)
def test_header_lines(header: str, title: str, company: str | None, location: str) -> None:
    job = parse(header + "\n\nRequirements\n- 3+ years of Python\n")
    assert (job.title, job.company, job.location) == (title, company, location)


def test_years_that_are_not_experience_and_titles_that_are_not_lead() -> None:
    assert years_required("Must be 18 years or older. Founded 25 years ago.") is None
    assert years_required("We have been in business for 30 years; you bring 4+ years of SQL") == 4
    for title in ["Staff Accountant", "Office Manager", "Customer Success Manager", "Solutions Architect"]:
        assert level_for(title, 3) is Level.MID, title


def test_non_tech_postings_parse() -> None:
    job = parse(
        "Mathematics Teacher\nLincoln High School, Portland, OR\n\nQualifications\n- State teaching license\n"
        "- Bachelor's degree in mathematics\n\nDuties\n- Teach algebra and geometry to grades 9-12\n"
    )
    assert job.title == "Mathematics Teacher" and job.location == "Portland, OR"
    assert len(job.requirements) == 2 and job.responsibilities == ["Teach algebra and geometry to grades 9-12"]
