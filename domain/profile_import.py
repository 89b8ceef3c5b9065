"""Turning a parsed resume into master-profile values, and telling which items are "the same"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.skills import Lexicon
from storage.profiles import Profile


@dataclass(frozen=True, slots=True)
class ImportResult:
    profile: Profile
    added: int
    skipped: list[str]


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


def resume_fields(parsed: dict[str, Any]) -> dict[str, Any]:
    links = [
        {"label": link.split("/")[0], "url": link if "://" in link else f"https://{link}"}
        for link in parsed.get("links") or []
    ]
    fields = {
        "full_name": parsed.get("name"),
        "email": parsed.get("email"),
        "phone": parsed.get("phone"),
        "location": parsed.get("location"),
        "summary": parsed.get("summary"),
        "links": links or None,
    }
    return {name: value for name, value in fields.items() if value}


def resume_items(parsed: dict[str, Any], lexicon: Lexicon) -> dict[str, list[dict[str, Any]]]:
    """A parsed resume (see `domain/documents/resume_parsing.py`) as profile section values."""
    experiences = [
        {
            "title": e.get("title"),
            "company": e.get("company"),
            "location": e.get("location"),
            "start_month": e.get("start"),
            "end_month": None if e.get("current") else e.get("end"),
            "highlights": e.get("bullets") or [],
            "skills": lexicon.skills_in(" ".join(e.get("bullets") or [])),
        }
        for e in parsed.get("experiences") or []
    ]
    projects = [
        {"name": p.get("name"), "description": p.get("description"), "technologies": p.get("technologies") or []}
        for p in parsed.get("projects") or []
    ]
    education = [
        {
            "institution": e.get("institution"),
            "degree": e.get("degree"),
            "field_of_study": e.get("field_of_study"),
            "end_month": e.get("end"),
        }
        for e in parsed.get("education") or []
    ]
    certifications = [
        {"name": c.get("name"), "issued_month": f"{c['year']}-01" if c.get("year") else None}
        for c in parsed.get("certifications") or []
    ]
    skills = [{"name": name} for name in parsed.get("skills") or []]
    return {
        "experiences": experiences,
        "projects": projects,
        "skills": skills,
        "education": education,
        "certifications": certifications,
    }
