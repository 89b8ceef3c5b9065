"""Safe extraction: real PDFs and DOCX files made here, hostile ones refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.documents.extract import DocumentKind, extract_text, sniff
from domain.errors import UnprocessableDocument, UnsupportedMediaType
from tests.support.documents import (
    PNG,
    encrypted_pdf,
    huge_stream_pdf,
    image_only_pdf,
    make_docx,
    make_pdf,
    zip_bomb_docx,
)

RESUME = (Path(__file__).resolve().parents[2] / "fixtures" / "resumes" / "maya_chen.txt").read_text()


@pytest.mark.parametrize(("make", "kind"), [(make_pdf, DocumentKind.PDF), (make_docx, DocumentKind.DOCX)])
async def test_real_documents_give_their_text(make, kind) -> None:  # type: ignore[no-untyped-def]
    extracted = await extract_text(make(RESUME))
    assert extracted.kind is kind
    words = lambda text: " ".join(text.split())  # noqa: E731 - compare text, not layout
    for line in [line for line in RESUME.splitlines() if line.strip()][:12]:
        expected = line.encode("latin-1", "replace").decode("latin-1")
        assert words(expected) in words(extracted.text), line


async def test_two_page_pdf_counts_its_pages() -> None:
    extracted = await extract_text(make_pdf("\n".join(f"Line {i} of a long resume" for i in range(80))))
    assert extracted.pages == 2 and "Line 79 of a long resume" in extracted.text


async def test_text_files_and_their_encodings() -> None:
    assert (await extract_text(b"\xef\xbb\xbfMaya Chen, Backend Engineer at Ledgerly")).text.startswith("Maya")
    latin = await extract_text("José Núñez, Ingeniero de software en Madrid".encode("latin-1"))
    assert latin.text.startswith("José Núñez") and latin.warnings
    for encoding in ["utf-16", "utf-16-be"]:  # Windows' "Unicode" text files carry a BOM (utf-16-be: added)
        content = "Ana Pérez, Enfermera — UCI".encode(encoding)
        content = content if encoding == "utf-16" else b"\xfe\xff" + content
        utf16 = await extract_text(content)
        assert utf16.text.startswith("Ana Pérez, Enfermera") and not utf16.warnings


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (PNG, UnsupportedMediaType, "PDF"),
        (b"PK\x03\x04" + bytes(100), UnsupportedMediaType, "Word"),
        (b"", UnprocessableDocument, "empty"),
        (b"hi", UnprocessableDocument, "No readable text"),
    ],
)
async def test_refused_by_content(content: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        await extract_text(content)


async def test_hostile_documents_fail_cleanly() -> None:
    cases = {
        "truncated": make_pdf(RESUME)[:300],
        "encrypted": encrypted_pdf(),
        "image only": image_only_pdf(),
        "inflates to 300 MB": huge_stream_pdf(),
        "zip bomb": zip_bomb_docx(),
    }
    messages = {}
    for name, content in cases.items():
        with pytest.raises(UnprocessableDocument) as error:
            await extract_text(content)
        assert error.value.field == "file"
        messages[name] = error.value.message
    assert not any("Error" in message for message in messages.values()), messages  # no library class names
    assert "password" in messages["encrypted"]
    assert "scanned" in messages["image only"]
    assert "zip bomb" in messages["zip bomb"] or "60 MB" in messages["zip bomb"]
    # and extraction still works afterwards
    assert (await extract_text(make_pdf(RESUME))).kind is DocumentKind.PDF


def test_sniffing_ignores_names() -> None:
    assert sniff(make_pdf("x")) is DocumentKind.PDF
    assert sniff(make_docx("x")) is DocumentKind.DOCX
    assert sniff(b"plain text") is DocumentKind.TXT
