"""The extraction worker: runs in its own process under CPU-time and memory limits, reads the file's
bytes from stdin and writes one JSON line: {"ok": true, "text": ..., "pages": n} or
{"ok": false, "message": ...}. A hostile file can only hurt this process."""

from __future__ import annotations

import io
import json
import resource
import sys
import zipfile

MAX_PAGES = 200
MAX_ZIP_ENTRIES = 2000
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_RATIO = 200  # uncompressed : compressed, per member


class Refused(Exception):
    pass


def pdf_text(content: bytes) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused("The PDF is password-protected; upload an unprotected copy")
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise Refused(f"The PDF has {len(pages)} pages; at most {MAX_PAGES} are read")
        text = "\n".join(page.extract_text() or "" for page in pages)
        return text, len(pages)
    except Refused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise Refused(f"The PDF could not be read ({type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on broken files
        raise Refused(f"The PDF could not be read ({type(exc).__name__})") from exc


def docx_text(content: bytes) -> tuple[str, int]:
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

    try:
        document = Document(io.BytesIO(content))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise Refused(f"The DOCX file could not be read ({type(exc).__name__})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines), 0


def main() -> None:
    kind, cpu_seconds, memory_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    content = sys.stdin.buffer.read()
    try:
        text, pages = pdf_text(content) if kind == "pdf" else docx_text(content)
        result = {"ok": True, "text": text, "pages": pages}
    except Refused as exc:
        result = {"ok": False, "message": str(exc)}
    except MemoryError:
        result = {"ok": False, "message": "The file needs too much memory to read (a decompression bomb?)"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
