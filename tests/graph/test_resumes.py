"""Resumes through the API: real PDF/DOCX/TXT uploads, dedupe, blobs, parsing, hostile files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.client import GraphQL, error_codes
from tests.support.documents import PNG, encrypted_pdf, make_docx, make_pdf, zip_bomb_docx
from tests.support.people import register
from tests.support.uploads import upload_resume as upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"
MAYA = (FIXTURES / "maya_chen.txt").read_text()
DANIEL = (FIXTURES / "daniel_okafor.txt").read_text()
LIST = """query ($first: Int, $after: String) {
  resumes(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
}"""
GET = "query ($id: ID!) { resume(id: $id) { id text candidateName uploadedAt } }"
DELETE = "mutation ($id: ID!) { deleteResume(id: $id) }"


async def user(gql: GraphQL, email: str = "maya@example.com") -> GraphQL:
    return gql.as_user((await register(gql, email))["token"])


def blobs(app: Any) -> list[Path]:
    root = app.state.services.settings.data_dir / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_pdf_docx_and_text_resumes_parse(gql: GraphQL) -> None:
    maya = await user(gql)
    for content, name, media in [
        (make_pdf(MAYA), "maya.pdf", "application/pdf"),
        (
            make_docx(DANIEL),
            "../../etc/passwd.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (MAYA.replace("MAYA CHEN", "MAYA C. CHEN").encode(), "maya.txt", "text/plain"),
    ]:
        body = await upload(maya, content, name)
        assert "errors" not in body, body
        resume = body["data"]["uploadResume"]["resume"]
        assert resume["mediaType"] == media and resume["fileSize"] == len(content) and resume["filename"] == name
        experiences = resume["parsed"]["experiences"]
        assert experiences and experiences[0]["title"] in {"Senior Software Engineer", "Frontend Engineer"}
    names = {e["node"]["id"] for e in (await maya(LIST, {}))["data"]["resumes"]["edges"]}
    assert len(names) == 3


async def test_same_file_is_the_same_resume_and_blobs_follow_rows(gql: GraphQL, app: Any) -> None:
    maya = await user(gql)
    bob = await user(gql, "bob@example.com")
    pdf = make_pdf(MAYA)
    first = (await upload(maya, pdf))["data"]["uploadResume"]
    again = (await upload(maya, pdf, "renamed.pdf"))["data"]["uploadResume"]
    assert (first["deduplicated"], again["deduplicated"]) == (False, True)
    assert again["resume"]["id"] == first["resume"]["id"]
    bobs = (await upload(bob, pdf))["data"]["uploadResume"]  # another person: another resume, one blob
    assert bobs["deduplicated"] is False and bobs["resume"]["id"] != first["resume"]["id"]
    assert len(blobs(app)) == 1
    assert error_codes(await bob(GET, {"id": first["resume"]["id"]})) == ["NOT_FOUND"]
    assert error_codes(await bob(DELETE, {"id": first["resume"]["id"]})) == ["NOT_FOUND"]
    await maya(DELETE, {"id": first["resume"]["id"]})
    assert len(blobs(app)) == 1  # still Bob's
    await bob(DELETE, {"id": bobs["resume"]["id"]})
    assert blobs(app) == []
    assert error_codes(await maya(GET, {"id": first["resume"]["id"]})) == ["NOT_FOUND"]


async def test_pagination(gql: GraphQL) -> None:
    maya = await user(gql)
    for i in range(3):
        await upload(maya, (MAYA + f"\nReference {i}").encode(), f"r{i}.txt")
    page = (await maya(LIST, {"first": 2}))["data"]["resumes"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = (await maya(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}))["data"]["resumes"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]


async def test_bad_and_hostile_files_fail_cleanly(gql: GraphQL, app: Any, settings: Any) -> None:
    maya = await user(gql)
    cases = [
        (PNG, "UNSUPPORTED_MEDIA_TYPE"),
        (b"", "UNPROCESSABLE_DOCUMENT"),
        (encrypted_pdf(), "UNPROCESSABLE_DOCUMENT"),
        (make_pdf(MAYA)[:400], "UNPROCESSABLE_DOCUMENT"),
        (zip_bomb_docx(), "UNPROCESSABLE_DOCUMENT"),
        (b"Grocery list: eggs, flour, milk. Call mum on Sunday.", "RESUME_PARSING_FAILED"),
        (b"x" * (settings.max_upload_bytes + 1), "PAYLOAD_TOO_LARGE"),
    ]
    for content, code in cases:
        assert error_codes(await upload(maya, content)) == [code], code
    assert (await maya(LIST, {}))["data"]["resumes"]["totalCount"] == 0 and blobs(app) == []
    assert "errors" not in await upload(maya, make_pdf(MAYA))  # and the server still answers


IMPORT = """mutation ($id: ID!, $mode: ImportMode!) {
  importProfileFromResume(resumeId: $id, mode: $mode) {
    added skipped
    profile { fullName email phone location summary links { url } totalExperienceYears
      experiences { title company startMonth endMonth current highlights }
      projects { name } skills { name } education { institution degree fieldOfStudy }
      certifications { name issuedMonth } }
  }
}"""


async def test_import_profile_from_resume_merge_and_replace(gql: GraphQL) -> None:
    maya = await user(gql)
    resume_id = (await upload(maya, make_pdf(MAYA)))["data"]["uploadResume"]["resume"]["id"]
    await maya('mutation { updateProfile(input: {fullName: "Maya C."}) { id } }')
    await maya('mutation { addSkill(input: {name: "python"}) { id } }')
    first = (await maya(IMPORT, {"id": resume_id, "mode": "MERGE"}))["data"]["importProfileFromResume"]
    profile = first["profile"]
    assert profile["fullName"] == "Maya C."  # MERGE keeps what you had
    assert (profile["email"], profile["location"]) == ("maya.chen@example.com", "Seattle, WA")
    assert [
        (e["title"], e["company"], e["startMonth"], e["endMonth"], e["current"]) for e in profile["experiences"]
    ] == [
        ("Senior Software Engineer", "Northwind Logistics", "2021-03", None, True),
        ("Software Engineer", "Brightleaf Analytics", "2018-06", "2021-02", False),
        ("Junior Developer", "CityWorks Digital", "2017-07", "2018-05", False),
    ]
    assert len(profile["experiences"][0]["highlights"]) == 4
    skills = [s["name"] for s in profile["skills"]]
    assert skills.count("Python") == 1 and {"PostgreSQL", "Kubernetes", "Terraform"} <= set(skills)
    assert profile["education"] == [
        {"institution": "Oregon State University", "degree": "B.S.", "fieldOfStudy": "Computer Science"}
    ]
    assert profile["certifications"][0]["issuedMonth"] == "2022-01"
    assert [p["name"] for p in profile["projects"]] == ["Shipwatch", "Recipe Graph"]
    assert "https://github.com/mayachen" in [link["url"] for link in profile["links"]]
    assert profile["totalExperienceYears"] >= 9

    again = (await maya(IMPORT, {"id": resume_id, "mode": "MERGE"}))["data"]["importProfileFromResume"]
    assert again["added"] == 0  # nothing duplicated
    replaced = (await maya(IMPORT, {"id": resume_id, "mode": "REPLACE"}))["data"]["importProfileFromResume"]
    assert replaced["profile"]["fullName"] == "Maya Chen"
    assert len(replaced["profile"]["experiences"]) == 3
    assert replaced["added"] == first["added"] + 1  # everything again, Python included this time


async def test_import_refuses_foreign_resumes(gql: GraphQL) -> None:
    maya = await user(gql)
    bob = await user(gql, "bob@example.com")
    resume_id = (await upload(maya, make_pdf(MAYA)))["data"]["uploadResume"]["resume"]["id"]
    assert error_codes(await bob(IMPORT, {"id": resume_id, "mode": "MERGE"})) == ["NOT_FOUND"]
    assert (await bob("{ profile { id } }"))["data"]["profile"] is None


async def test_a_two_column_pdf(gql: GraphQL) -> None:
    from tests.support.documents import two_column_pdf

    maya = await user(gql)
    pdf = two_column_pdf(
        [
            "MAYA CHEN",
            "Seattle, WA",
            "maya.chen@example.com",
            "",
            "SKILLS",
            "Python, Go, PostgreSQL",
            "",
            "EDUCATION",
            "B.S. Computer Science, Oregon State University, 2017",
        ],
        [
            "EXPERIENCE",
            "Senior Software Engineer | Northwind Logistics | Seattle, WA",
            "March 2021 - Present",
            "- Designed a GraphQL gateway in Python.",
            "Software Engineer | Brightleaf Analytics | Portland, OR",
            "June 2018 - February 2021",
            "- Built ETL pipelines in Python.",
        ],
    )
    parsed = (await upload(maya, pdf))["data"]["uploadResume"]["resume"]["parsed"]
    assert parsed["name"] == "Maya Chen" and parsed["skills"] == ["Python", "Go", "PostgreSQL"]
    assert [(e["title"], e["company"], e["start"], e["end"]) for e in parsed["experiences"]] == [
        ("Senior Software Engineer", "Northwind Logistics", "2021-03", None),
        ("Software Engineer", "Brightleaf Analytics", "2018-06", "2021-02"),
    ]
    assert parsed["education"][0]["institution"] == "Oregon State University"
