"""Bounded text: uploads and pastes past their character limit are refused, and a document is read
only up to the limit. The extraction worker stops pulling text at the cap, page by page (and inside
a page) for a PDF and paragraph by paragraph for a DOCX, so a compressed bomb costs what the cap
costs. Work is counted (characters kept, pages and paragraphs read), never timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import domain.resumes
import domain.samples
from domain.documents.extract import DEFAULT_MAX_CHARS, READERS, Extracted, extract_text
from domain.jobs import MAX_RAW_TEXT
from domain.settings import Settings
from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.documents import make_docx, make_pdf, text_bomb_pdf
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAYA = (FIXTURES / "resumes" / "maya_chen.txt").read_text()
LETTER = (FIXTURES / "samples" / "cover_letter_maya.txt").read_text()
POSTING = (FIXTURES / "jobs" / "senior_backend_python.txt").read_text()
RESUME = """mutation ($file: Upload!) {
  uploadResume(file: $file) { deduplicated resume { id text candidateName } }
}"""
SAMPLE = """mutation ($type: DocumentType!, $file: Upload!) {
  uploadSample(documentType: $type, file: $file) { id fullText characterCount warnings }
}"""
RESUMES = "{ resumes { totalCount } }"
SAMPLES = "{ samples { totalCount edges { node { id } } } }"
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id rawText } }"


def padded(text: str, size: int) -> str:
    """`text` followed by plain reference lines, exactly `size` characters once stripped."""
    filler = "\n".join(f"Reference {i}: worked with the platform team on reliable services" for i in range(size // 40))
    out = (text.strip() + "\n" + filler)[:size].rstrip()
    while len(out) < size:  # the cut may end on a line break: pad the last line back to the size
        out += "x"
    return out


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> list[Extracted]:
    """What each upload's extraction returned, through the real worker: the work done, counted."""
    seen: list[Extracted] = []

    async def spy(content: bytes, **kwargs: Any) -> Extracted:
        extracted = await extract_text(content, **kwargs)
        seen.append(extracted)
        return extracted

    monkeypatch.setattr(domain.resumes, "extract_text", spy)
    monkeypatch.setattr(domain.samples, "extract_text", spy)
    return seen


async def user(gql: GraphQL, email: str = "maya@example.com") -> GraphQL:
    return gql.as_user((await register(gql, email))["token"])


async def upload_resume(gql: GraphQL, content: bytes, filename: str = "resume.pdf") -> Any:
    return (await gql.upload(RESUME, {}, content, filename)).json()


async def upload_sample(gql: GraphQL, content: bytes, filename: str = "letter.txt") -> Any:
    return (await gql.upload(SAMPLE, {"type": "COVER_LETTER"}, content, filename)).json()


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    assert error_codes(body) == ["PAYLOAD_TOO_LARGE"], body
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"]["field"] == "file"
    return error


def stored_blobs(app: Any) -> list[Path]:
    root = app.state.services.settings.data_dir / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_limits_are_settings_with_the_documented_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    defaults = Settings(data_dir=tmp_path)
    assert (defaults.max_resume_chars, defaults.max_sample_chars, defaults.max_job_chars) == (100_000, 100_000, 50_000)
    assert defaults.max_resume_chars == DEFAULT_MAX_CHARS and defaults.max_job_chars == MAX_RAW_TEXT
    monkeypatch.setenv("TAILOR_MAX_RESUME_CHARS", "20000")
    monkeypatch.setenv("TAILOR_MAX_SAMPLE_CHARS", "30000")
    monkeypatch.setenv("TAILOR_MAX_JOB_CHARS", "40000")
    configured = Settings(data_dir=tmp_path)
    assert (configured.max_resume_chars, configured.max_sample_chars, configured.max_job_chars) == (
        20_000,
        30_000,
        40_000,
    )


async def test_a_compressed_pdf_bomb_stops_at_the_cap(gql: GraphQL, app: Any, extractions: list[Extracted]) -> None:
    bomb = text_bomb_pdf(pages=40, shows=2000, chars=1000)
    assert len(bomb) < 60_000  # a small file ...
    assert 40 * 2000 * 1000 >= 20_000_000  # ... that reads to 80 million characters if read to the end
    maya = await user(gql)
    error = refusal(await upload_resume(maya, bomb, "bomb.pdf"))
    assert error["extensions"]["maxCharacters"] == 100_000
    assert "100,000 characters" in error["message"] and "resume" in error["message"]
    # The worker stopped inside the first page, with at most the cap in hand.
    [extracted] = extractions
    assert extracted.truncated and extracted.pages == 40 and extracted.parts_read == 1
    assert len(extracted.text) <= 100_000
    # Nothing parsed into a resume, nothing stored.
    assert (await maya(RESUMES))["data"]["resumes"]["totalCount"] == 0 and stored_blobs(app) == []
    # The same bomb as a writing sample: refused the same way, after the same single page.
    error = refusal(await upload_sample(maya, bomb, "bomb.pdf"))
    assert error["extensions"]["maxCharacters"] == 100_000 and "writing sample" in error["message"]
    assert extractions[1].parts_read == 1 and len(extractions[1].text) <= 100_000
    assert (await maya(SAMPLES))["data"]["samples"] == {"totalCount": 0, "edges": []}
    assert "errors" not in await upload_resume(maya, make_pdf(MAYA))  # and uploads still work


async def test_one_page_that_unfolds_into_millions_stops_inside_the_page() -> None:
    """Five text-show operators of a million letters each on one page: no page boundary to stop at."""
    extracted = await extract_text(text_bomb_pdf(pages=1, shows=5, chars=1_000_000), max_chars=10_000)
    assert extracted.truncated and extracted.parts_read == 1 and len(extracted.text) <= 10_000


async def test_a_300_000_character_text_resume_is_refused(gql: GraphQL, app: Any) -> None:
    maya = await user(gql)
    text = padded(MAYA, 300_000)
    assert len(text.encode()) < app.state.services.settings.max_upload_bytes  # within the byte limit
    error = refusal(await upload_resume(maya, text.encode(), "resume.txt"))
    assert error["extensions"]["maxCharacters"] == 100_000
    assert (await maya(RESUMES))["data"]["resumes"]["totalCount"] == 0 and stored_blobs(app) == []


async def test_a_docx_of_many_paragraphs_is_read_only_to_the_cap(
    gql: GraphQL, app: Any, extractions: list[Extracted]
) -> None:
    paragraphs = [f"Paragraph {i}: " + "led the migration of billing services " * 5 for i in range(1500)]
    docx = make_docx("\n".join(paragraphs))
    total = sum(len(p) for p in paragraphs)
    assert total > 250_000
    maya = await user(gql)
    refusal(await upload_resume(maya, docx, "resume.docx"))
    [extracted] = extractions
    assert extracted.truncated and len(extracted.text) <= 100_000
    # paragraph by paragraph: stopped just past the cap, not at the end of the document
    assert extracted.parts_read <= 100_000 // min(len(p) for p in paragraphs) + 2 < len(paragraphs)
    assert (await maya(RESUMES))["data"]["resumes"]["totalCount"] == 0


async def test_a_sample_over_its_cap_is_refused(gql: GraphQL, app: Any) -> None:
    maya = await user(gql)
    text = padded(LETTER, 150_000)
    assert len(text.encode()) < app.state.services.settings.max_sample_bytes
    error = refusal(await upload_sample(maya, text.encode()))
    assert error["extensions"]["maxCharacters"] == 100_000 and "writing sample" in error["message"]
    assert (await maya(SAMPLES))["data"]["samples"] == {"totalCount": 0, "edges": []}


async def test_text_just_under_the_cap_is_kept_whole(gql: GraphQL, extractions: list[Extracted]) -> None:
    maya = await user(gql)
    resume = padded(MAYA, DEFAULT_MAX_CHARS - 10)
    body = await upload_resume(maya, resume.encode(), "resume.txt")
    assert "errors" not in body, body["errors"]
    stored = body["data"]["uploadResume"]["resume"]
    assert stored["text"] == resume and stored["candidateName"] == "Maya Chen"
    exactly = padded(LETTER, DEFAULT_MAX_CHARS)
    sample = (await upload_sample(maya, exactly.encode()))["data"]["uploadSample"]
    assert sample["fullText"] == exactly and sample["characterCount"] == DEFAULT_MAX_CHARS
    assert sample["warnings"] == []
    assert not any(e.truncated for e in extractions)


@pytest.fixture
async def small(tmp_path: Path, database_url: str) -> AsyncIterator[GraphQL]:
    """An app configured with small limits: 3,000 characters of resume, 2,000 of sample and posting."""
    settings = make_settings(tmp_path, database_url, max_resume_chars=3000, max_sample_chars=2000, max_job_chars=2000)
    async with running(create_app(settings)) as app, http_client(app) as client:
        gql = GraphQL(client)
        yield gql.as_user((await register(gql))["token"])


async def test_configured_limits_apply_to_every_kind_of_text(small: GraphQL, extractions: list[Extracted]) -> None:
    # PDF resumes: under the limit kept whole, over it refused after reading only as far as the limit
    whole = padded(MAYA, 2900)
    body = await upload_resume(small, make_pdf(whole))
    assert "errors" not in body, body["errors"]
    words = lambda text: " ".join(text.replace("\u2019", "'").split())  # noqa: E731 - Helvetica's quote, not layout
    assert words(body["data"]["uploadResume"]["resume"]["text"]) == words(whole)
    long = padded(MAYA, 60 * 50 * 5)  # five pages of 50 lines
    error = refusal(await upload_resume(small, make_pdf(long)))
    assert error["extensions"]["maxCharacters"] == 3000 and "3,000 characters" in error["message"]
    assert extractions[-1].pages >= 5 and extractions[-1].parts_read < extractions[-1].pages
    # samples
    assert "errors" not in await upload_sample(small, padded(LETTER, 2000).encode())
    assert refusal(await upload_sample(small, padded(LETTER, 2001).encode()))["extensions"]["maxCharacters"] == 2000
    # pasted postings keep their answer: BAD_USER_INPUT naming rawText and the limit
    assert len(POSTING.strip()) <= 2000
    refused = await small(CREATE_JOB, {"input": {"rawText": POSTING + "x" * 2000}})
    assert error_codes(refused) == ["BAD_USER_INPUT"] and refused["errors"][0]["extensions"]["field"] == "rawText"
    assert "2000" in refused["errors"][0]["message"]
    created = await small(CREATE_JOB, {"input": {"rawText": POSTING}})
    assert "errors" not in created, created["errors"]


async def test_pdf_readers_run_a_bounded_number_at_once(tmp_path: Path, database_url: str) -> None:
    """Eight PDFs at once start at most `extraction_workers` reader processes at a time; all are read."""
    settings = make_settings(tmp_path, database_url, extraction_workers=2)
    async with running(create_app(settings)) as app, http_client(app) as client:
        maya = await user(GraphQL(client))
        READERS.peak = 0
        pdfs = [make_pdf(MAYA + f"\nReference {n}\n") for n in range(8)]
        answers = await asyncio.gather(*(upload_resume(maya, pdf, f"r{n}.pdf") for n, pdf in enumerate(pdfs)))
        assert all("errors" not in answer for answer in answers), answers
        assert 1 <= READERS.peak <= 2
        assert (await maya(RESUMES))["data"]["resumes"]["totalCount"] == 8
