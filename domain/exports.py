"""A generated document as a file to download: plain text, Markdown, Word (.docx) or PDF.

Word and PDF are laid out from the document's Markdown (which Tailor writes itself, so only its few
shapes occur: `#`/`##`/`###` headings, `*dates*`, `**headline**`, `- ` bullets and paragraphs).
The PDF embeds DejaVu Sans when it is installed (or `TAILOR_PDF_FONT_DIR` names it), which covers Latin,
Greek and Cyrillic; without it the standard Helvetica font covers Western European text (Windows-1252),
other characters are transliterated where Unicode allows and shown as "?" otherwise.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

from domain.errors import BadInput

FORMATS = {
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h"})
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
_ESCAPED = re.compile(r"\\([\\`*_#\[\]|<>])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SLUG_GAP = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # title | headline | heading | entry | dates | bullet | paragraph
    text: str


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str
    complete: bool = True  # False: the PDF font lacked some characters, shown as "?"


def _plain(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    for chunk in _PARAGRAPH_BREAK.split(markdown.strip()):
        for line in chunk.splitlines() if chunk.lstrip().startswith(("#", "- ", "*")) else [chunk]:
            line = line.rstrip()
            if not line.strip():
                continue
            if line.startswith("### "):
                found.append(Block("entry", _plain(line[4:])))
            elif line.startswith("## "):
                found.append(Block("heading", _plain(line[3:])))
            elif line.startswith("# "):
                found.append(Block("title", _plain(line[2:])))
            elif line.startswith("**") and line.endswith("**") and len(line) > 4:
                found.append(Block("headline", _plain(line[2:-2])))
            elif line.startswith("*") and line.endswith("*") and not line.startswith("**") and len(line) > 2:
                found.append(Block("dates", _plain(line[1:-1])))
            elif line.startswith("- "):
                found.append(Block("bullet", _plain(line[2:])))
            else:
                found.append(Block("paragraph", "\n".join(_plain(part.rstrip()) for part in line.split("\n"))))
    return found


def xml_safe(text: str) -> str:
    """Text Word's XML can hold: control characters other than tab and newline dropped."""
    return _XML_INVALID.sub("", text)


def to_docx(parts: list[Block], title: str) -> bytes:
    parts = [Block(block.kind, xml_safe(block.text)) for block in parts]
    document = Document()
    document.core_properties.title = xml_safe(title)[:255]
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for block in parts:
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "heading":
            document.add_heading(block.text, level=1)
        elif block.kind == "entry":
            document.add_heading(block.text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind in {"dates", "headline"}:
            run = document.add_paragraph().add_run(block.text)
            run.italic = block.kind == "dates"
            run.bold = block.kind == "headline"
        else:
            first, *rest = block.text.split("\n")
            paragraph = document.add_paragraph(first)
            for line in rest:  # a line break inside the paragraph, as in a letter's sign-off
                paragraph.add_run().add_break()
                paragraph.add_run(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_safe(text: str) -> str:
    """Text the core Helvetica font can show: Windows-1252 as is, accents dropped where that is all
    that is missing, anything else "?"."""
    out = []
    for char in text.translate(_LETTERS):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(base or "?")
    return "".join(out)


@cache
def unicode_font_dir(configured: Path | None = None) -> Path | None:
    """The folder holding DejaVu Sans (regular, bold, oblique): the configured one, else a system one."""
    for folder in (configured,) if configured else FONT_DIRS:
        if folder is not None and all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    return None


def to_pdf(parts: list[Block], title: str, font_dir: Path | None = None) -> tuple[bytes, bool]:
    """The PDF, and whether every character could be shown (False when some became "?")."""
    pdf = FPDF(format="Letter")
    fonts = unicode_font_dir(font_dir)
    if fonts is not None:
        for style, name in FONT_FILES.items():
            pdf.add_font("DejaVu", style, str(fonts / name))
        family, show = "DejaVu", (lambda text: text)
    else:
        pdf.core_fonts_encoding = "windows-1252"
        family, show = "Helvetica", pdf_safe
    complete = True
    pdf.set_title(show(title))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    shapes = {
        "title": ("B", 18, 9, 2),
        "headline": ("B", 11, 6, 1),
        "heading": ("B", 12, 7, 4),
        "entry": ("B", 10.5, 5.5, 2),
        "dates": ("I", 10, 5, 0),
        "bullet": ("", 10.5, 5.2, 0),
        "paragraph": ("", 10.5, 5.2, 3),
    }
    for block in parts:
        style, size, height, space = shapes[block.kind]
        pdf.set_font(family, style, size)
        if space:
            pdf.ln(space)
        text = block.text.upper() if block.kind == "heading" else block.text
        shown = show(text)
        complete = complete and shown == text and (fonts is None or all(_has_glyph(pdf, ch) for ch in set(text)))
        if block.kind == "bullet":
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, height, f"• {shown}", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, height, shown, new_x="LMARGIN", new_y="NEXT")
        if block.kind == "heading":
            y = pdf.get_y() + 0.5
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.ln(1.5)
    return bytes(pdf.output()), complete


def _has_glyph(pdf: FPDF, char: str) -> bool:
    return char in "\n\t" or ord(char) in pdf.current_font.cmap


def file_name(*parts: str | None) -> str:
    """A download name made of safe characters: "resume-acme-data-engineer"."""
    words = "-".join(p for p in parts if p)
    ascii_only = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return _SLUG_GAP.sub("-", ascii_only.lower()).strip("-")[:80] or "document"


def export(text: str, markdown: str, extension: str, title: str, stem: str, font_dir: Path | None = None) -> ExportFile:
    if extension not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}", field="format")
    complete = True
    if extension == "txt":
        content = text.encode()
    elif extension == "md":
        content = markdown.encode()
    elif extension == "docx":
        content = to_docx(blocks(markdown), title)
    else:
        content, complete = to_pdf(blocks(markdown), title, font_dir)
    return ExportFile(content, FORMATS[extension], f"{stem}.{extension}", complete)
