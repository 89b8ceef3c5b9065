"""Resumes from text: contact, summary, experiences (title, company, location, dates, bullets),
projects, skills (through the lexicon), education and certifications.

Pure: text in, `ParsedResume` out. Copes with the common heading variants ("Work History",
"Professional Experience", "Profile"), "Title | Company | City" and "Title — Company (City), dates"
headers, and dates such as "Jan 2020 – Present", "March 2021 - Present", "2019-03", "03/2019 to 05/2021".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.errors import ResumeParsingFailed
from domain.job_parsing import find_location
from domain.skills import Lexicon

MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*+\.?"
_NUMERIC_POINT = r"\d{4}-\d{1,2}|\d{1,2}/\d{4}|\d{4}"
_POINT = rf"(?:{_MONTH_NAME}\s++\d{{4}}|{_NUMERIC_POINT})"
# Every pattern here runs in time linear in its input (tests/domain/test_linear_time.py): runs of one class
# are possessive (`*+`, `++`) where what follows cannot start with that class, and a pattern that starts
# with a run begins only where the run does (a look-behind), so no position rescans the same run.
# The start month only starts where a word does ("janjanjan…" does not try a month at every letter).
_RANGE = re.compile(
    rf"(?P<start>(?<![a-z]){_MONTH_NAME}\s++\d{{4}}|{_NUMERIC_POINT})\s*+(?:-|–|—|to|until)\s*+"
    rf"(?P<end>{_POINT}|present|current|now|today)",
    re.I,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]++(?:\.[\w-]++)+")  # a local part is at most 64 long
# Linear as it is: a digit that starts no match has no digit 8 or more characters on in its run, so only
# the digits among a run's first 8 characters rescan it; a match ends at the run's last digit.
_PHONE = re.compile(r"(?:\+?\(?\d[\d\s().-]{7,}\d)")
_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:linkedin\.com|github\.com|gitlab\.com|(?<![\w-])[\w-]++\.(?:dev|io|me))/?[\w/.-]*+",
    re.I,
)
_BULLET = re.compile(r"^\s*+(?:[-*•·◦▪‣]|\d{1,2}[.)])\s+")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_SPLIT = re.compile(r"(?<!\s)\s++(?:[|—–]|-|at|@)\s++")  # "Title | Company", " - ", " at ", " @ "
_PROJECT_SPLIT = re.compile(r"(?<!\s)\s++[-–—:]\s++")
_EDUCATION_SPLIT = re.compile(r",\s*+|(?<!\s)\s++[|—–]\s++")
_SKILL_SPLIT = re.compile(r"[,;|•·]\s*+")
_TRAILING_YEAR = re.compile(r"(?<!\s)\s*+\(?\b(?:19|20)\d\d\b\)?\s*+$")  # "AWS Solutions Architect (2021)"
_TRAILING_PAREN = re.compile(r"\(([^)]{2,60})\)\s*+$")
_POINT_MONTH = re.compile(r"^([a-z]++)\.?\s++(\d{4})$")
_POINT_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_POINT_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{4})$")
_POINT_YEAR = re.compile(r"^\d{4}$")
MAX_LINE_CHARS = 2_000  # a longer line is cut before the patterns read it: no header or date line is that long
HEADINGS = {
    "summary": ("summary", "professional summary", "profile", "about", "about me", "objective", "career summary"),
    "experience": ("experience", "work experience", "work history", "professional experience", "employment",
                   "employment history", "career history", "relevant experience"),
    "projects": ("projects", "personal projects", "selected projects", "side projects", "open source"),
    "skills": ("skills", "technical skills", "core skills", "technologies", "tools", "skills & tools",
               "key skills", "core competencies"),
    "education": ("education", "academic background", "education & training"),
    "certifications": ("certifications", "certificates", "licenses & certifications", "licenses and certifications"),
}  # fmt: skip
_HEADING_INDEX = {name: section for section, names in HEADINGS.items() for name in names}
_INSTITUTION = re.compile(r"\b(university|college|institute|school|academy|polytechnic|universit[éeä]t)\b", re.I)
_DEGREE = re.compile(
    r"^(b\.?\s?s\.?c?|b\.?\s?a\.?|b\.?\s?eng\.?|m\.?\s?s\.?c?|m\.?\s?a\.?|m\.?\s?eng\.?|mba|ph\.?\s?d\.?|"
    r"bachelor(?:'s)?(?: of [a-z]+)?|master(?:'s)?(?: of [a-z]+)?|associate(?:'s)?(?: of [a-z]+)?|doctorate)\b\.?",
    re.I,
)


@dataclass
class Month:
    year: int
    month: int | None  # None when only the year is written

    def as_text(self, *, end: bool = False) -> str:
        return f"{self.year:04d}-{(self.month or (12 if end else 1)):02d}"


@dataclass
class ResumeExperience:
    title: str
    company: str | None = None
    location: str | None = None
    start: str | None = None  # YYYY-MM
    end: str | None = None  # YYYY-MM; None with `current`
    current: bool = False
    bullets: list[str] = field(default_factory=list)


@dataclass
class ResumeProject:
    name: str
    description: str | None = None
    technologies: list[str] = field(default_factory=list)


@dataclass
class ResumeEducation:
    institution: str | None
    degree: str | None = None
    field_of_study: str | None = None
    end: str | None = None


@dataclass
class ResumeCertification:
    name: str
    year: int | None = None


@dataclass
class ParsedResume:
    """What the parser reads from a resume; kept with the resume (storage/codec.py) and shown as `parsed`."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    location: str | None = None
    links: list[str] = field(default_factory=list)
    summary: str | None = None
    experiences: list[ResumeExperience] = field(default_factory=list)
    projects: list[ResumeProject] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    education: list[ResumeEducation] = field(default_factory=list)
    certifications: list[ResumeCertification] = field(default_factory=list)


def parse_point(text: str) -> Month | None:
    text = text.strip().lower().rstrip(".")
    if match := _POINT_MONTH.match(text):
        month = MONTHS.get(match.group(1)[:4].rstrip("t") if match.group(1)[:4] == "sept" else match.group(1)[:3])
        return Month(int(match.group(2)), month) if month else None
    if match := _POINT_YEAR_MONTH.match(text):
        return Month(int(match.group(1)), int(match.group(2))) if 1 <= int(match.group(2)) <= 12 else None
    if match := _POINT_MONTH_YEAR.match(text):
        return Month(int(match.group(2)), int(match.group(1))) if 1 <= int(match.group(1)) <= 12 else None
    if _POINT_YEAR.match(text):
        return Month(int(text), None)
    return None


def _heading(line: str) -> str | None:
    key = line.strip().strip("#:*_ ").lower()
    return _HEADING_INDEX.get(key) if len(key) <= 40 else None


@dataclass
class ResumeSection:
    """A stretch of the resume as written: its kind ("header" before the first heading), the heading line
    itself, and the lines under it."""

    kind: str
    heading: str | None
    lines: list[str] = field(default_factory=list)


def split_sections(text: str) -> list[ResumeSection]:
    """The resume cut at its headings, every line kept, so the pieces join back into the same text."""
    parts = [ResumeSection("header", None)]
    for line in text.replace("\r\n", "\n").split("\n"):
        kind = _heading(line)
        if kind:
            parts.append(ResumeSection(kind, line))
        else:
            parts[-1].lines.append(line)
    return parts


def _sections(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    parts = split_sections("\n".join(lines))
    sections: dict[str, list[str]] = {}
    for part in parts[1:]:
        sections.setdefault(part.kind, []).extend(part.lines)
    return parts[0].lines, sections


def _contact(header: list[str], parsed: ParsedResume) -> None:
    text = "\n".join(header)
    if email := _EMAIL.search(text):
        parsed.email = email.group().lower()
    if phone := _PHONE.search(_EMAIL.sub(" ", text)):
        parsed.phone = phone.group().strip()
    parsed.links = [link.group().rstrip("/.") for link in _LINK.finditer(_EMAIL.sub(" ", text))]
    parsed.location = find_location(text)
    for line in header:
        words = line.strip().split()
        if 2 <= len(words) <= 4 and all(w[:1].isalpha() and w[:1].isupper() for w in words) and "@" not in line:
            parsed.name = " ".join(w.capitalize() if w.isupper() else w for w in words)
            break


def _header_parts(line: str) -> tuple[str, str | None, str | None]:
    """ "Title | Company | City, ST", "Title — Company (City, ST)", "Title at Company"."""
    cleaned = line.strip().strip(",;")
    location = None
    if paren := _TRAILING_PAREN.search(cleaned):
        location = find_location(paren.group(1)) or paren.group(1).strip()
        cleaned = cleaned[: paren.start()].strip().strip(",")
    parts = [p.strip(" ,") for p in _SPLIT.split(cleaned) if p.strip(" ,")]
    if len(parts) == 1 and ", " in cleaned:  # "Analytics Intern, Blue Fern Co, Leeds, UK"
        first, _, rest = cleaned.partition(", ")
        place = find_location(rest)
        company = rest[: rest.find(place)].strip(" ,") if place else rest
        parts = [first, company] if company else [first]
        location = location or place
    title = parts[0] if parts else cleaned
    company = parts[1] if len(parts) > 1 else None
    if len(parts) > 2 and location is None:
        location = find_location(parts[2]) or parts[2]
    return title, company, location


def _experiences(lines: list[str]) -> list[ResumeExperience]:
    found: list[ResumeExperience] = []
    pending_header: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if _BULLET.match(raw) and found:
            found[-1].bullets.append(_BULLET.sub("", raw).strip())
            continue
        dates = _RANGE.search(line)
        if dates:
            header_text = (line[: dates.start()] + line[dates.end() :]).strip(" ,;|—–-")
            if not header_text and pending_header:
                header_text = pending_header
            if header_text:
                title, company, location = _header_parts(header_text)
                start = parse_point(dates.group("start"))
                end_text = dates.group("end").lower()
                current = end_text in {"present", "current", "now", "today"}
                end = None if current else parse_point(end_text)
                found.append(
                    ResumeExperience(
                        title=title,
                        company=company,
                        location=location,
                        start=start.as_text() if start else None,
                        end=end.as_text(end=True) if end else None,
                        current=current,
                    )
                )
                pending_header = None
                continue
        if found and not pending_header and found[-1].bullets and not dates:
            pending_header = line  # a header whose dates follow on the next line
        elif not dates:
            pending_header = line
    return found


def _projects(lines: list[str], lexicon: Lexicon) -> list[ResumeProject]:
    projects = []
    for raw in lines:
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        parts = _PROJECT_SPLIT.split(line, maxsplit=1)
        name = parts[0].strip()
        description = parts[1].strip() if len(parts) > 1 else None
        projects.append(ResumeProject(name=name[:200], description=description, technologies=lexicon.skills_in(line)))
    return projects


def _education(lines: list[str]) -> list[ResumeEducation]:
    found = []
    for raw in lines:
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        parts = [p.strip() for p in _EDUCATION_SPLIT.split(line) if p.strip()]
        institution = next((p for p in parts if _INSTITUTION.search(p)), None)
        year = _YEAR.findall(line)
        degree = field_of_study = None
        for part in parts:
            if part is institution or _YEAR.fullmatch(part):
                continue
            if match := _DEGREE.match(part):
                degree = match.group().strip()
                field_of_study = part[match.end() :].strip(" ,.-") or None
                if field_of_study and field_of_study.lower().startswith("in "):
                    field_of_study = field_of_study[3:]
                break
        if institution or degree:
            found.append(ResumeEducation(institution, degree, field_of_study, f"{year[-1]}-06" if year else None))
    return found


def _certifications(lines: list[str]) -> list[ResumeCertification]:
    found = []
    for raw in lines:
        line = _BULLET.sub("", raw).strip()
        if line:
            years = _YEAR.findall(line)
            name = _TRAILING_YEAR.sub("", line).strip(" ,-")
            found.append(ResumeCertification(name=name[:200], year=int(years[-1]) if years else None))
    return found


def parse_resume(text: str, lexicon: Lexicon) -> ParsedResume:
    """RESUME_PARSING_FAILED when the text has no experience, education or skills to speak of."""
    lines = [line[:MAX_LINE_CHARS] for line in text.replace("\r\n", "\n").replace("\u2019", "'").split("\n")]
    header, sections = _sections(lines)
    parsed = ParsedResume()
    _contact(header[:8], parsed)
    if summary := sections.get("summary"):
        parsed.summary = " ".join(line.strip() for line in summary if line.strip()) or None
    parsed.experiences = _experiences(sections.get("experience", []))
    parsed.projects = _projects(sections.get("projects", []), lexicon)
    skill_lines = sections.get("skills")
    if skill_lines:
        items = [item for line in skill_lines for item in _SKILL_SPLIT.split(_BULLET.sub("", line))]
        parsed.skills = lexicon.normalise(item.split(":")[-1] for item in items if item.strip())
    else:
        parsed.skills = lexicon.skills_in(text)
    parsed.education = _education(sections.get("education", []))
    parsed.certifications = _certifications(sections.get("certifications", []))
    if not (parsed.experiences or parsed.education or parsed.skills):
        raise ResumeParsingFailed("No experience, education or skills could be found: is this a resume?", field="file")
    return parsed
