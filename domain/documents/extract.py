"""Safe text extraction from TXT, PDF and DOCX. The type is judged by content, not by the name; PDF
and DOCX are read in a worker process with a CPU-time limit, a memory limit and a wall-clock timeout,
so a bomb, a loop or a broken file fails cleanly and the server stays up. Text is bounded too: the
worker stops pulling text once it passes the caller's character limit (see `worker.py`), and TXT is
cut the same way, so what comes back is never longer than the limit and says whether there was more."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum

from domain.documents.worker import tidy
from domain.errors import PayloadTooLarge, UnprocessableDocument, UnsupportedMediaType

TIMEOUT_SECONDS = 20.0
CPU_SECONDS = 15
MEMORY_BYTES = 768 * 1024 * 1024
MIN_TEXT_CHARS = 20
DEFAULT_MAX_CHARS = 100_000  # the resume and sample default (TAILOR_MAX_RESUME_CHARS, _SAMPLE_CHARS)


class DocumentKind(StrEnum):
    TXT = "text/plain"
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Extracted:
    kind: DocumentKind
    text: str
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the document holds more text than the limit: `text` is (at most) its first part
    parts_read: int = 0  # pages (PDF) or paragraphs and table rows (DOCX) whose text was pulled


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff(content: bytes) -> DocumentKind:
    """PDF by its header, DOCX by being a zip with a Word body, text by decoding; anything else refused."""
    head = content[:1024]
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return DocumentKind.PDF
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in content[:65536] or b"[Content_Types].xml" in content[:65536]:
            return DocumentKind.DOCX
        raise UnsupportedMediaType("This zip file is not a Word (.docx) document", field="file")
    if head.startswith(UTF16_BOMS):  # Windows' "Unicode" text: NUL bytes, yet text
        return DocumentKind.TXT
    if _binary(head):
        raise UnsupportedMediaType("Upload a PDF, a Word (.docx) document or a plain-text file", field="file")
    return DocumentKind.TXT


def _binary(head: bytes) -> bool:
    magic = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ", b"\x1f\x8b", b"Rar!")
    if head.startswith(magic):
        return True
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return b"\x00" in head or (bool(head) and controls / len(head) > 0.1)


def decode_text(content: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with its BOM; otherwise Latin-1, with a warning that it was guessed."""
    if content.startswith(UTF16_BOMS):
        try:
            return content.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise UnsupportedMediaType("The file says it is UTF-16 text but is not", field="file") from exc
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return content.decode("latin-1"), ["The file was not UTF-8; it was read as Latin-1"]


@dataclass(frozen=True)
class _Pulled:
    text: str
    pages: int
    parts_read: int
    truncated: bool


class ReaderSlots:
    """How many reader processes run at once in this server process (`TAILOR_EXTRACTION_WORKERS`):
    each may take 768 MB and a core, so a burst of uploads waits its turn instead of starting dozens.
    One semaphore per event loop (a semaphore belongs to the loop it first waits on)."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self.peak = 0  # the most readers seen running at once, for tests that count
        self._running = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            self._running += 1
            self.peak = max(self.peak, self._running)
            try:
                yield
            finally:
                self._running -= 1


READERS = ReaderSlots()


async def _in_worker(kind: DocumentKind, content: bytes, max_chars: int) -> _Pulled:
    async with READERS.slot():
        return await _read_in_process(kind, content, max_chars)


async def _read_in_process(kind: DocumentKind, content: bytes, max_chars: int) -> _Pulled:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "domain.documents.worker",
        "pdf" if kind is DocumentKind.PDF else "docx",
        str(CPU_SECONDS),  # the worker limits itself first thing (preexec_fn is unsafe beside threads)
        str(MEMORY_BYTES),
        str(max_chars),  # and stops pulling text past it
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(content), TIMEOUT_SECONDS)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise UnprocessableDocument("Reading the file took too long; it may be damaged", field="file") from exc
    try:
        result = json.loads(stdout or b"{}")
    except json.JSONDecodeError:
        result = {}
    if not result.get("ok"):
        message = result.get("message") or "The file could not be read; it may be damaged or too complex"
        raise UnprocessableDocument(message, field="file")
    return _Pulled(
        str(result["text"]),
        int(result.get("pages", 0)),
        int(result.get("partsRead", 0)),
        bool(result.get("truncated", False)),
    )


async def extract_text(content: bytes, *, max_chars: int = DEFAULT_MAX_CHARS) -> Extracted:
    """The document's text, at most `max_chars` characters of it (`truncated` when it had more);
    UNSUPPORTED_MEDIA_TYPE or UNPROCESSABLE_DOCUMENT with a reason."""
    if not content.strip():
        raise UnprocessableDocument("The file is empty", field="file")
    kind = sniff(content)
    warnings: list[str] = []
    if kind is DocumentKind.TXT:
        text, warnings = decode_text(content)  # at most the upload limit: cheap to tidy whole
        pulled = _Pulled(tidy(text), 0, 0, False)
    else:
        pulled = await _in_worker(kind, content, max_chars)
    text = pulled.text.strip()
    truncated = pulled.truncated or len(text) > max_chars
    text = text[:max_chars].rstrip()
    if len(text) < MIN_TEXT_CHARS and not truncated:  # (a reader stopped inside a page may have kept little)
        hint = " (a scanned image has no text: export it as a text PDF)" if kind is DocumentKind.PDF else ""
        raise UnprocessableDocument(f"No readable text was found in the file{hint}", field="file")
    return Extracted(kind, text, pulled.pages, warnings, truncated, pulled.parts_read)


def within_limit(extracted: Extracted, *, max_chars: int, what: str) -> Extracted:
    """The upload policy for text past its limit: refuse it with PAYLOAD_TOO_LARGE, naming the limit
    (`extensions.maxCharacters`), rather than keep the first part with a warning.

    Why refuse: the limits (100,000 characters by default, some forty dense pages) sit far above any
    real resume or writing sample, so what passes them is a decompression bomb, the wrong file (a
    thesis, a book, a portfolio) or a file with a hidden text layer. Keeping the first part would store
    junk from a bomb as a resume, or parse a truncated resume that silently lost its last sections and
    match jobs against it; measuring a writing style from the opening of a book is no better. A clear
    refusal lets the person upload the right file, and nothing half-read is stored. Pasted text gets
    the same answer (postings: BAD_USER_INPUT past their limit, as they always have)."""
    if extracted.truncated:
        raise PayloadTooLarge(
            f"The {what} has more than {max_chars:,} characters of text; Tailor reads at most {max_chars:,}. "
            f"Upload the {what} on its own, or a shorter version",
            field="file",
            maxCharacters=max_chars,
        )
    return extracted
