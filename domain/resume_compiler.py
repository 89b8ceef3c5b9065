"""The resume compiler: the person's chosen content laid out as a clean, ATS-friendly resume, as plain
text and as Markdown. Pure: plain values in, text out. It prints only what it is given."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_BULLET = re.compile(r"^\s*(?:[-*•‣▪◦]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s++(?=[A-Z0-9])")
_SPACES = re.compile(r"[ \t]{2,}+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_#\[\]|<>])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")  # breaks and controls other than \n


def printable(text: str) -> str:
    """Text with stray control characters (form feeds from PDFs, escapes) as spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)) if _CONTROL.search(text) else text


@dataclass(frozen=True, slots=True)
class Entry:
    """One experience, project or education line, ready to print."""

    title: str
    details: list[str] = field(default_factory=list)  # company, location... joined with " | "
    dates: str | None = None
    bullets: list[str] = field(default_factory=list)
    footer: str | None = None  # "Technologies: ..." or a link


@dataclass(frozen=True, slots=True)
class ResumeContent:
    name: str | None
    headline: str | None
    contact: list[str]
    summary: str | None
    skills: list[str]
    experiences: list[Entry]
    projects: list[Entry]
    education: list[Entry]
    certifications: list[str]

    @property
    def chars(self) -> int:
        """About how much text it holds: what compiling and scoring it cost (domain/cpu.py)."""
        entries = [*self.experiences, *self.projects, *self.education]
        return len(self.summary or "") + sum(len(b) for e in entries for b in e.bullets) + 80 * len(entries)


@dataclass(frozen=True, slots=True)
class CompiledResume:
    text: str
    markdown: str
    bullets: list[str]
    sections: set[str]  # contact, summary, experience, projects, skills, education, certifications


def bullets_of(text: str | None) -> list[str]:
    """A description as bullets: its own bullet lines, else one bullet a sentence."""
    if not text or not text.strip():
        return []
    lines = [line.strip() for line in printable(text).split("\n") if line.strip()]
    found: list[str] = []
    for line in lines:
        if _BULLET.match(line):
            found.append(_BULLET.sub("", line).strip())
        else:
            found += [sentence.strip() for sentence in _SENTENCE.split(line) if sentence.strip()]
    return [b for b in found if b]


def month_range(start: date | None, end: date | None, *, open_ended: bool = True) -> str | None:
    if start is None and end is None:
        return None
    first = start.strftime("%b %Y") if start else None
    last = end.strftime("%b %Y") if end else ("Present" if open_ended else None)
    return " – ".join(part for part in (first, last) if part)


def _md(text: str) -> str:
    """Escape what Markdown would read as formatting at the start of a line or inside it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def compile_resume(content: ResumeContent) -> CompiledResume:
    text: list[str] = []
    md: list[str] = []
    sections: set[str] = set()
    bullets: list[str] = []

    def heading(title: str) -> None:
        text.extend(["", title.upper()])
        md.extend(["", f"## {title}"])

    def entries(items: list[Entry]) -> None:
        for entry in items:
            line = " | ".join([entry.title, *entry.details])
            text.append("")
            text.append(line)
            md.extend(["", f"### {_md(line)}"])
            if entry.dates:
                text.append(entry.dates)
                md.append(f"*{_md(entry.dates)}*")
            if entry.bullets:
                md.append("")
            for bullet in entry.bullets:
                text.append(f"• {bullet}")
                md.append(f"- {_md(bullet)}")
                bullets.append(bullet)
            if entry.footer:
                text.append(entry.footer)
                md.extend(["", _md(entry.footer)])

    if content.name:
        text.append(content.name.upper())
        md.append(f"# {_md(content.name)}")
    if content.headline:
        text.append(content.headline)
        md.extend(["", f"**{_md(content.headline)}**"])
    if content.contact:
        sections.add("contact")
        text.append(" | ".join(content.contact))
        md.extend(["", " · ".join(_md(c) for c in content.contact)])
    if content.summary:
        sections.add("summary")
        heading("Professional Summary")
        text.append(content.summary.strip())
        md.extend(["", _md(content.summary.strip())])
    if content.skills:
        sections.add("skills")
        heading("Skills")
        text.append(", ".join(content.skills))
        md.extend(["", _md(", ".join(content.skills))])
    for name, title, items in (
        ("experience", "Professional Experience", content.experiences),
        ("projects", "Projects", content.projects),
        ("education", "Education", content.education),
    ):
        if items:
            sections.add(name)
            heading(title)
            entries(items)
    if content.certifications:
        sections.add("certifications")
        heading("Certifications")
        for certification in content.certifications:
            text.append(f"• {certification}")
        md.extend(["", *(f"- {_md(c)}" for c in content.certifications)])
    plain = printable("\n".join(text).strip()) + "\n"
    markdown = printable("\n".join(md).strip()) + "\n"
    return CompiledResume(plain, markdown, bullets, sections)
