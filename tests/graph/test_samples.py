"""Writing samples through the API (multipart uploads), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from storage.samples import Sample
from tests.support.client import GraphQL, error_codes
from tests.support.documents import PNG, make_docx, make_pdf
from tests.support.people import register
from tests.support.texts import LETTER
from tests.support.uploads import upload_sample as upload

LIST = """query ($type: DocumentType, $active: Boolean) {
  samples(documentType: $type, isActive: $active) { totalCount edges { node { id filename isActive documentType } } }
}"""
GET = "query ($id: ID!) { sample(id: $id) { id fullText isActive writingStyle { tone } } }"


async def samples_of(gql: GraphQL, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """The samples `LIST` shows, newest first."""
    connection = (await gql(LIST, variables))["data"]["samples"]
    assert connection["totalCount"] == len(connection["edges"])  # a few samples: one page
    return [edge["node"] for edge in connection["edges"]]


async def user(gql: GraphQL, email: str = "maya@example.com") -> GraphQL:
    return gql.as_user((await register(gql, email))["token"])


async def test_upload_measures_and_activates(gql: GraphQL) -> None:
    maya = await user(gql)
    first = (await upload(maya, LETTER.encode()))["data"]["uploadSample"]
    assert first["isActive"] and first["mediaType"] == "text/plain" and first["filename"] == "letter.txt"
    assert first["wordCount"] == len(LETTER.split()) and first["characterCount"] == len(LETTER.strip())
    assert first["writingStyle"]["provider"] == "local" and 0 <= first["writingStyle"]["formality"] <= 1
    second = (await upload(maya, make_pdf(LETTER), "letter.pdf"))["data"]["uploadSample"]
    assert second["mediaType"] == "application/pdf" and second["isActive"]
    listed = await samples_of(maya, {"type": "COVER_LETTER"})
    assert [(s["id"], s["isActive"]) for s in listed] == [(second["id"], True), (first["id"], False)]
    assert [s["id"] for s in await samples_of(maya, {"active": True})] == [second["id"]]
    resume = (await upload(maya, make_docx(LETTER), "cv.docx", "RESUME"))["data"]["uploadSample"]
    assert resume["isActive"] and resume["documentType"] == "RESUME"  # other type: both stay active
    assert len(await samples_of(maya, {"active": True})) == 2


async def test_read_refresh_and_delete(gql: GraphQL) -> None:
    maya = await user(gql)
    first = (await upload(maya, LETTER.encode()))["data"]["uploadSample"]
    second = (await upload(maya, LETTER.encode() + b"\nThanks again!"))["data"]["uploadSample"]
    read = (await maya(GET, {"id": second["id"]}))["data"]["sample"]
    assert read["fullText"].endswith("Thanks again!") and read["writingStyle"]["tone"]
    refreshed = await maya(
        "mutation ($id: ID!) { refreshWritingStyle(sampleId: $id) { id writingStyle { tone } } }", {"id": second["id"]}
    )
    assert refreshed["data"]["refreshWritingStyle"]["writingStyle"]["tone"] == read["writingStyle"]["tone"]
    await maya("mutation ($id: ID!) { deleteSample(id: $id) }", {"id": second["id"]})
    assert (await maya(GET, {"id": first["id"]}))["data"]["sample"]["isActive"] is True  # the older one takes over


async def test_other_users_and_bad_files(gql: GraphQL, settings: Any) -> None:
    maya = await user(gql)
    bob = await user(gql, "bob@example.com")
    mine = (await upload(maya, LETTER.encode()))["data"]["uploadSample"]
    assert error_codes(await bob(GET, {"id": mine["id"]})) == ["NOT_FOUND"]
    assert error_codes(await bob("mutation ($id: ID!) { deleteSample(id: $id) }", {"id": mine["id"]})) == ["NOT_FOUND"]
    assert await samples_of(bob, {}) == []
    assert error_codes(await upload(maya, PNG, "photo.pdf")) == ["UNSUPPORTED_MEDIA_TYPE"]
    assert error_codes(await upload(maya, b"   ")) == ["UNPROCESSABLE_DOCUMENT"]
    too_big = b"word " * (settings.max_sample_bytes // 5 + 10)
    assert error_codes(await upload(maya, too_big)) == ["PAYLOAD_TOO_LARGE"]
    latin = await upload(maya, "Señora Núñez, le escribo con mucho interés sobre el puesto.".encode("latin-1"))
    assert latin["data"]["uploadSample"]["warnings"] == ["The file was not UTF-8; it was read as Latin-1"]
    assert (await samples_of(maya, {"active": True}))[0]["id"] == latin["data"]["uploadSample"]["id"]


async def test_one_active_sample_per_type_is_enforced_by_the_database(gql: GraphQL, app: Any) -> None:
    maya = await user(gql)
    sample = (await upload(maya, LETTER.encode()))["data"]["uploadSample"]
    async with app.state.services.sessions() as session:
        row = await session.get(Sample, sample["id"])
        duplicate = Sample(
            user_id=row.user_id,
            document_type="COVER_LETTER",
            filename="x",
            media_type="text/plain",
            full_text="x",
            word_count=1,
            character_count=1,
            is_active=True,
        )
        session.add(duplicate)
        with pytest.raises(IntegrityError):
            await session.commit()
