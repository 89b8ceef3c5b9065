"""Resumes through the API: real PDF/DOCX/TXT uploads, dedupe, blobs, parsing, hostile files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import GraphQL, error_codes, register
from tests.documents import PNG, encrypted_pdf, make_docx, make_pdf, zip_bomb_docx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"
MAYA = (FIXTURES / "maya_chen.txt").read_text()
DANIEL = (FIXTURES / "daniel_okafor.txt").read_text()
UPLOAD = """mutation ($file: Upload!) {
  uploadResume(file: $file) { deduplicated resume { id filename mediaType fileSize candidateName parsed } }
}"""
LIST = """query ($first: Int, $after: String) {
  resumes(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
}"""
GET = "query ($id: ID!) { resume(id: $id) { id text candidateName uploadedAt } }"
DELETE = "mutation ($id: ID!) { deleteResume(id: $id) }"


async def upload(gql: GraphQL, content: bytes, filename: str = "resume.pdf") -> Any:
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    return (
        await gql.client.post(
            "/graphql",
            data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (filename, content, "application/octet-stream")},
            headers={"Authorization": f"Bearer {gql.token}", "Apollo-Require-Preflight": "true"},
        )
    ).json()


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
