"""The words that go into a generated document: names and one-line fields checked for a letter, a
letter shaped to its greeting and length, the prompt's terms, and items and skills put in the job's
order. Pure: plain values in, plain values out."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import BadInput, LLMUnavailable
from domain.profiles import section_text
from domain.resume_compiler import bullets_of
from domain.validation import clean_text
from domain.wording import fit_paragraphs
from storage.jobs import Job
from storage.profiles import Experience, Project

MAX_SKILLS = 30
MAX_NAME = 80
MAX_NAME_WORDS = 6
SIGN_OFF = re.compile(
    r"^(sincerely|best regards|kind regards|regards|best|warm regards|respectfully|thank you)\b", re.I
)
PROMPT_FILLER = frozenset(
    """highlight highlighting emphasize emphasise emphasis focus please include mention experience experiences
    skills skill resume projects project roles role about their there these those which would should could
    stress showcase""".split()
)
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'’-])*+$")  # letters, spaces and . , ' - only
_GREETING = re.compile(r"^(dear|hello|hi)\b", re.I)
_LONG_WORD = re.compile(r"[A-Za-z]{5,}+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_#\[\]|<>])")


def single_line(value: str | None, field: str, max_length: int) -> str | None:
    """Trimmed text on one line: it goes into a letter and a prompt, so no line breaks or control characters."""
    text = clean_text(value, field, max_length=max_length)
    if text is not None and any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in text):
        raise BadInput(f"{field} must be one line without control characters", field=field)
    return unicodedata.normalize("NFC", text) if text else None


def person_name(value: str | None, field: str) -> str | None:
    """A person's name for a greeting: letters, spaces and . , ' - only, at most six words."""
    name = single_line(value, field, MAX_NAME)
    if name and (not _NAME.match(name) or len(name.split()) > MAX_NAME_WORDS):
        raise BadInput(
            f"{field} must be a name of at most {MAX_NAME_WORDS} words (letters, spaces, . ' -)", field=field
        )
    return name


def shaped_letter(text: str, greeting: str, max_paragraphs: int) -> str:
    """The letter with the greeting asked for and at most `max_paragraphs` between it and the sign-off.
    LLM_UNAVAILABLE when nothing of the body is left (the truthfulness check removed it all)."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    if paragraphs and _GREETING.match(paragraphs[0]) and len(paragraphs[0].split()) <= 8:
        paragraphs = paragraphs[1:]
    signed = bool(paragraphs) and bool(SIGN_OFF.match(paragraphs[-1]))
    body, sign_off = (paragraphs[:-1], paragraphs[-1:]) if signed else (paragraphs, [])
    if not body:
        raise LLMUnavailable("The model's letter did not pass the truthfulness check; please try again")
    return "\n\n".join([greeting, *fit_paragraphs(body, max_paragraphs), *sign_off]) + "\n"


def prompt_terms(prompt: str | None, weights: dict[str, float], boosted: dict[str, float]) -> list[str]:
    """What the person's prompt asks to bring forward: the job terms and skills it names, and its
    other significant words (as 6-letter stems, so "leadership" finds "leader")."""
    if not prompt:
        return []
    named = [term for term, weight in boosted.items() if weight != weights.get(term)]
    words = [w.lower() for w in _LONG_WORD.findall(prompt)]
    stems = [w[:6] for w in words if w not in PROMPT_FILLER and not any(w in t.lower() for t in named)]
    return list(dict.fromkeys(named + stems))


def ats_terms(job: Job) -> list[str]:
    """What an ATS would search for: the job's skills, or its heaviest keywords when it names none."""
    return list(job.skills) or [k["term"] for k in sorted(job.keywords, key=lambda k: -k["weight"])[:10]]


def item_text(item: Experience | Project) -> str:
    """The words an item shows: its names, description (enhanced when there is one), highlights and skills."""
    if isinstance(item, Experience):
        names, tags = [item.title, item.company], item.skills
    else:
        names, tags = [item.name], item.technologies
    return " ".join([*names, item.enhanced_description or section_text(item), *tags]).lower()


def item_bullets(item: Experience | Project) -> list[str]:
    if item.enhanced_description:
        return bullets_of(item.enhanced_description)
    return bullets_of(item.description) + [h.strip() for h in getattr(item, "highlights", []) or [] if h.strip()]


def ordered_skills(names: list[str], weights: dict[str, float]) -> list[str]:
    """The person's skills, deduplicated: the job's (heaviest first) before the rest (in their order)."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.strip().lower(), name.strip())
    lowered = {term.lower(): weight for term, weight in weights.items()}
    skills = [name for key, name in seen.items() if key]
    return sorted(skills, key=lambda name: -lowered.get(name.lower(), 0.0))[:MAX_SKILLS]


def latest_first(item: Experience) -> tuple[int, int]:
    end = item.end_month.toordinal() if item.end_month else 10**9  # a current role comes first
    return (-end, -item.start_month.toordinal())


def paragraphs_markdown(text: str) -> str:
    """Paragraphs escaped for Markdown; a line break inside one (the sign-off) stays a hard break."""
    escaped = (_MARKDOWN_SPECIAL.sub(r"\\\1", p) for p in text.split("\n\n"))
    return "\n\n".join(p.replace("\n", "  \n") for p in escaped) + "\n"
