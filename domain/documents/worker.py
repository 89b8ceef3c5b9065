"""The extraction worker: runs in its own process under CPU-time and memory limits, reads the file's
bytes from stdin and writes one JSON line: {"ok": true, "text": ..., "pages": n, "partsRead": k,
"truncated": bool} or {"ok": false, "message": ...}. A hostile file can only hurt this process.

It pulls text only up to a character budget (argv): a PDF page by page, and inside a page operator by
operator (through pypdf's callbacks); a DOCX paragraph by paragraph and run by run. Once the budget
is passed it stops and says `truncated`, so a file whose few compressed kilobytes unfold into
millions of characters costs what the budget costs, not what the bomb holds. The parent decides
what a truncated document means (domain/documents/extract.py)."""

from __future__ import annotations

import io
import json
import resource
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Any

MAX_PAGES = 200
MAX_ZIP_ENTRIES = 2000
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_RATIO = 200  # uncompressed : compressed, per member
UNREADABLE_PDF = "The PDF could not be read: it is damaged, or built in a way Tailor cannot read; try saving it again"
UNREADABLE_DOCX = "The DOCX file could not be read: it is damaged; try saving it again from Word"
MAX_CONTENT_BYTES = 32 * 1024 * 1024  # PDF drawing instructions parsed, all pages read together
# Inside one page text arrives in pieces before it is tidied: the page stops once it has pulled this
# many times the characters still wanted (trailing spaces, line breaks) or shown this many times the
# string bytes (two-byte fonts, text not yet flushed to the callback).
RAW_FACTOR = 2
OPERAND_FACTOR = 4
RAW_SLACK = 4096
TEXT_OPERATORS = (b"Tj", b"TJ", b"Do", b"'", b'"')  # what can add text to a page (as pypdf judges it)


class Refused(Exception):
    pass


class _Enough(BaseException):  # noqa: N818 - a signal, not an error
    """Raised from pypdf's callbacks once a page has given enough. A BaseException, so pypdf's own
    `except Exception` (around form XObjects, for one) cannot swallow it."""


def tidy(text: str) -> str:
    """Lines without trailing blanks, no NULs: the text as stored (the caller strips the ends)."""
    return "\n".join(line.rstrip() for line in text.replace("\x00", "").splitlines())


@dataclass
class Budget:
    """Tidied text gathered up to `limit` characters; `over` once the document had more."""

    limit: int
    parts: list[str] = field(default_factory=list)
    used: int = 0
    over: bool = False

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def add(self, text: str, *, cut: bool = False) -> None:
        """Add one page or paragraph; `cut` when the reader stopped inside it (it had more)."""
        joint = 1 if self.parts else 0  # the line break joining it to the previous one
        piece = tidy(text)
        if joint + len(piece) > self.remaining:
            piece = piece[: max(self.remaining - joint, 0)]
            self.over = True
        self.over = self.over or cut
        if piece or not self.over:
            self.parts.append(piece)
            self.used += joint + len(piece)

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@dataclass(frozen=True)
class Pulled:
    text: str
    pages: int  # in the document
    parts_read: int  # pages of a PDF, paragraphs and table rows of a DOCX, whose text was pulled
    truncated: bool  # the document holds more text than the budget


def _page_text(page: Any, budget: Budget) -> tuple[str, bool]:
    """The page's text, stopping inside it once it has given clearly more than the budget has left."""
    raw_limit = RAW_FACTOR * budget.remaining + RAW_SLACK
    operand_limit = OPERAND_FACTOR * budget.remaining + RAW_SLACK
    pieces: list[str] = []
    counts = {"raw": 0, "shown": 0}

    def on_text(text: Any, *_: Any) -> None:
        if text:
            pieces.append(str(text)[: raw_limit + 1])  # one flush can hold a whole page: keep what is wanted
            counts["raw"] += len(text)
            if counts["raw"] > raw_limit:
                raise _Enough

    def on_operator(operator: bytes, operands: Any, *_: Any) -> None:
        if operator in (b"Tj", b"'", b'"', b"TJ") and operands:
            shown = operands[0] if operator == b"TJ" else operands[-1]
            strings = shown if isinstance(shown, list) else [shown]
            counts["shown"] += sum(len(s) for s in strings if isinstance(s, str | bytes))
            if counts["shown"] > operand_limit:
                raise _Enough

    try:
        return page.extract_text(visitor_text=on_text, visitor_operand_before=on_operator) or "", False
    except _Enough:
        return "".join(pieces), True


def _content_bytes(page: Any) -> bytes:
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""


def pdf_text(content: bytes, max_chars: int) -> Pulled:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused("The PDF is password-protected; upload an unprotected copy")
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise Refused(f"The PDF has {len(pages)} pages; at most {MAX_PAGES} are read")
        budget = Budget(max_chars)
        parsed = read = 0
        for page in pages:
            if budget.over:
                break
            data = _content_bytes(page)
            read += 1
            if not any(operator in data for operator in TEXT_OPERATORS):
                budget.add("")  # a page without text: nothing to parse
                continue
            parsed += len(data)
            if parsed > MAX_CONTENT_BYTES:
                raise Refused(
                    f"The PDF's pages unpack to more than {MAX_CONTENT_BYTES // 2**20} MB of drawing "
                    "instructions (a decompression bomb?)"
                )
            text, cut = _page_text(page, budget)
            budget.add(text, cut=cut)
        return Pulled(budget.text, len(pages), read, budget.over)
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on broken files; none is the person's business
        raise Refused(UNREADABLE_PDF) from exc


def _inner_text(paragraph: Any, limit: int) -> tuple[str, bool]:
    """A paragraph's text (runs and hyperlinks, as python-docx reads it), stopping past `limit`."""
    pieces: list[str] = []
    size = 0
    for element in paragraph.xpath("w:r | w:hyperlink"):
        piece = element.text
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return "".join(pieces), True
    return "".join(pieces), False


def docx_text(content: bytes, max_chars: int) -> Pulled:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise Refused("The DOCX file is not a valid document") from exc
    members = archive.infolist()
    if len(members) > MAX_ZIP_ENTRIES:
        raise Refused("The DOCX file has too many parts")
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise Refused("The DOCX file unpacks to more than 60 MB")
    if any(m.compress_size and m.file_size / m.compress_size > MAX_RATIO for m in members):
        raise Refused("The DOCX file is compressed suspiciously well (a zip bomb?)")
    from docx import Document
    from docx.oxml.ns import qn

    try:
        document = Document(io.BytesIO(content))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise Refused(UNREADABLE_DOCX) from exc
    budget = Budget(max_chars)
    read = 0
    body = document.element.body
    for paragraph in body.iterchildren(qn("w:p")):  # one at a time: the list is never built
        if budget.over:
            break
        text, cut = _inner_text(paragraph, RAW_FACTOR * budget.remaining + RAW_SLACK)
        budget.add(text, cut=cut)
        read += 1
    for table in document.tables if not budget.over else []:
        for row in table.rows:
            if budget.over:
                break
            budget.add(" | ".join(cell.text for cell in row.cells))
            read += 1
    return Pulled(budget.text, 0, read, budget.over)


def main() -> None:
    kind, cpu_seconds, memory_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    max_chars = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    content = sys.stdin.buffer.read()
    try:
        pulled = pdf_text(content, max_chars) if kind == "pdf" else docx_text(content, max_chars)
        result = {
            "ok": True,
            "text": pulled.text,
            "pages": pulled.pages,
            "partsRead": pulled.parts_read,
            "truncated": pulled.truncated,
        }
    except Refused as exc:
        result = {"ok": False, "message": str(exc)}
    except MemoryError:
        result = {"ok": False, "message": "The file needs too much memory to read (a decompression bomb?)"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
