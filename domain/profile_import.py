"""Turning a parsed resume into master-profile values, and telling which items are "the same"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.documents.resume_parsing import ParsedResume
from domain.errors import BadInput
from domain.skills import Lexicon
from storage.profiles import Profile


@dataclass(frozen=True, slots=True)
class Skipped:
    """What an import left out, and the rule's refusal that says why: an item of `section` (`item`
    describes it), or a field of the profile itself (`section` "profile", `field` names it)."""

    section: str
    error: BadInput
    item: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    profile: Profile
    added: int
    skipped: list[Skipped]


def natural_key(section: str, values: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two items "the same" when merging a resume into a profile."""

    def low(name: str) -> str:
        return str(values.get(name) or "").casefold().strip()

    if section == "experiences":
        return (low("title"), low("company"), values.get("start_month"))
    if section == "education":
        return (low("institution"), low("degree"))
    return (low("name"),)


def describe(values: dict[str, Any]) -> str:
    for name in ("title", "name", "institution"):
        if values.get(name):
            return repr(str(values[name])[:60])
    return "an item"


def resume_fields(parsed: ParsedResume) -> dict[str, Any]:
    links = [
        {"label": link.split("/")[0], "url": link if "://" in link else f"https://{link}"} for link in parsed.links
    ]
    fields = {
        "full_name": parsed.name,
        "email": parsed.email,
        "phone": parsed.phone,
        "location": parsed.location,
        "summary": parsed.summary,
        "links": links or None,
    }
    return {name: value for name, value in fields.items() if value}


def resume_items(parsed: ParsedResume, lexicon: Lexicon) -> dict[str, list[dict[str, Any]]]:
    """A parsed resume (see `domain/documents/resume_parsing.py`) as profile section values."""
    experiences = [
        {
            "title": e.title,
            "company": e.company,
            "location": e.location,
            "start_month": e.start,
            "end_month": None if e.current else e.end,
            "highlights": list(e.bullets),
            "skills": lexicon.skills_in(" ".join(e.bullets)),
        }
        for e in parsed.experiences
    ]
    projects = [
        {"name": p.name, "description": p.description, "technologies": list(p.technologies)} for p in parsed.projects
    ]
    education = [
        {"institution": e.institution, "degree": e.degree, "field_of_study": e.field_of_study, "end_month": e.end}
        for e in parsed.education
    ]
    certifications = [
        {"name": c.name, "issued_month": f"{c.year}-01" if c.year else None} for c in parsed.certifications
    ]
    skills = [{"name": name} for name in parsed.skills]
    return {
        "experiences": experiences,
        "projects": projects,
        "skills": skills,
        "education": education,
        "certifications": certifications,
    }
