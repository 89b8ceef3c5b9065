"""Job postings from raw text: title, company, location, level, years, sections, skills, keywords.

Pure: text in, `ParsedJob` out. Copes with headed sections ("Requirements", "Qualifications",
"What you'll bring", ...), bulleted and numbered lists, inline "Heading: a, b" lines, and postings
that are one paragraph (sentences are sorted into sections by what they say).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import JobParsingFailed
from domain.skills import Lexicon


class Level(StrEnum):
    ENTRY = "ENTRY"
    MID = "MID"
    SENIOR = "SENIOR"
    LEAD = "LEAD"


class Section(StrEnum):
    REQUIREMENTS = "requirements"
    NICE = "nice_to_haves"
    RESPONSIBILITIES = "responsibilities"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Keyword:
    term: str
    weight: float


@dataclass
class ParsedJob:
    title: str | None = None
    company: str | None = None
    location: str | None = None
    level: Level | None = None
    years_required: int | None = None
    requirements: list[str] = field(default_factory=list)
    nice_to_haves: list[str] = field(default_factory=list)
    responsibilities: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)


HEADINGS: dict[Section, tuple[str, ...]] = {
    Section.NICE: (
        "nice to have", "nice-to-have", "nice to haves", "nice-to-haves", "desired skills", "desired", "bonus",
        "bonus points", "preferred",
        "preferred qualifications", "preferred skills", "pluses", "good to have", "extra credit",
        "it would be great if", "even better if",
    ),
    Section.REQUIREMENTS: (
        "requirements", "key requirements", "qualifications", "minimum qualifications", "basic qualifications",
        "required qualifications", "requirements & qualifications", "requirements and qualifications",
        "what you will need", "what you'll need", "qualifications & skills", "what you'll bring",
        "what you will bring", "what you bring", "technical skills",
        "what we're looking for", "what we are looking for", "who you are", "you have", "you bring",
        "must have", "must haves", "must-haves", "skills", "required skills", "skills and experience",
        "experience", "about you", "your profile", "your background", "what you need",
    ),
    Section.RESPONSIBILITIES: (
        "responsibilities", "key responsibilities", "what you'll do", "what you will do", "your role",
        "the role", "role", "duties", "day to day", "day-to-day", "in this role", "you will",
        "your responsibilities", "what you'll be doing", "the job", "your impact", "what you'll work on",
    ),
    Section.OTHER: (
        "about the role", "about us", "about the company", "about the team", "who we are", "benefits",
        "perks", "what we offer", "compensation", "salary", "how to apply", "why join us", "our stack",
        "location", "company", "summary", "overview", "description", "job description", "the team",
    ),
}  # fmt: skip
_HEADING_INDEX = {phrase: section for section, phrases in HEADINGS.items() for phrase in phrases}

# Every pattern here runs in time linear in its input (tests/domain/test_linear_time.py): runs of one class
# are possessive (`*+`, `++`) where what follows cannot start with that class (two greedy `\s*` in a row
# split a run of spaces every way before failing: "1" + 15,000 spaces + "x" took 14 s), a pattern that
# starts with a run begins only where the run does (a look-behind), and look-arounds read a bounded span.
_BULLET = re.compile(r"^\s*+(?:[-*•·◦▪‣–—]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_FIELD = re.compile(
    r"^\s*+(title|position|role|job title|company|employer|organi[sz]ation|location|based in)\s*+:\s*(.+)$", re.I
)
_DASH_SPLIT = re.compile(r"(?<!\s)\s++(?:[—–|]\s++|-\s++|@\s++|at\s++(?=[A-Z]))")
_YEARS = re.compile(
    r"(?<![\d.])(\d{1,2})\s*+(?:\+|plus)?\s*+(?:(?:-|–|to)\s*+(\d{1,2})\s*+\+?\s*+)?(?:years?|yrs?)\b", re.I
)
_NOT_EXPERIENCE = re.compile(r"(?<!\s)\s*+(?:or\s++older|old|of\s++age|ago|in\s++business)\b", re.I)  # after a match
_YEARS_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "ten": 10}
_YEARS_WORD = re.compile(r"\b(" + "|".join(_YEARS_WORDS) + r")\s*+\+?\s*+(?:\(\d++\)\s*+)?years?\b", re.I)
_YEARS_CONTEXT = re.compile(r"\b(?:founded|established|since|over|for)\s*+$", re.I)  # "founded 12 years ago"
REGIONS = (
    "UK|USA|US|Canada|Germany|France|Spain|Italy|Ireland|Netherlands|Belgium|Sweden|Norway|Denmark|Finland|Poland|"
    "Portugal|Switzerland|Austria|India|Singapore|Japan|Australia|Brazil|Mexico|Israel|England|Scotland|Europe|EU"
)
_CITY_STATE = re.compile(  # "Seattle, WA", "San Francisco, CA (hybrid)", "London, UK": one line, bounded
    r"(?<![\w-])((?:[A-Z][a-z][a-zA-Z.'-]{0,20}[ \t]){0,2}[A-Z][a-z][a-zA-Z.'-]{0,20},[ \t]*+"
    rf"(?:[A-Z]{{2}}|{REGIONS})\b(?:[ \t]*+\([^)\n]{{0,40}}\))?)"
)
_REMOTE = re.compile(r"\b(remote|hybrid|on-?site)\b(?:\s*+\([^)]{0,100}\))?", re.I)  # "Remote (US only)"
_COMPANY_SENTENCE = re.compile(
    r"(?<![\w-])([A-Z][\w&.'-]{0,30}+(?:[ \t]++[A-Z][\w&.'-]{0,30}+){0,4})[ \t]++(?:is|are)[ \t]++"
    r"(?:hiring|building|looking|seeking|a |an |the )"
)
_TITLE_WORDS = re.compile(
    r"\b(engineer|developer|scientist|analyst|designer|manager|architect|administrator|specialist|consultant|"
    r"lead|director|intern|technician|officer|coordinator|programmer|writer|researcher|accountant|"
    r"representative|associate|head|vp|president|sre|devops|recruiter|marketer|strategist|editor|teacher|nurse|"
    r"cashier|chef|cook|driver|clerk|assistant|therapist|pharmacist|electrician|mechanic|planner|agent|"
    r"technologist|physician|instructor|tutor|bookkeeper|receptionist|supervisor|operator|advisor|adviser)s?\b",
    re.I,
)
_NICE_HINT = re.compile(
    r"\b(is a plus|are a plus|a big plus|nice to have|is a bonus|bonus points|not required)\b", re.I
)
_REQ_HINT = re.compile(
    r"\b(must|required|requirement|you have|you bring|experience (?:with|in)|years|proficien\w*|strong|"
    r"knowledge of|familiar\w*|degree|expertise)\b",
    re.I,
)
_RESP_HINT = re.compile(
    r"\b(you will|you'll|responsible for|own|build|design|lead|drive|collaborate|work with)\b", re.I
)
_SENTENCES = re.compile(r"(?<=[.!?])\s++(?=[A-Z0-9])")
_STOPWORDS = frozenset(
    """a about above after all also an and any are as at be been being both but by can could do does each for from
    has have having he her here him his how i if in into is it its just may me more most must my no nor not of on
    once only or other our out over own same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which while who whom why will
    with would you your yours work working team teams role join looking plus years year experience strong
    ability including etc new using use across within""".split()
)
SENIOR_TITLES = re.compile(r"\b(senior|sr\.?|snr)\b", re.I)
LEAD_TITLES = re.compile(
    r"\b(lead|principal|head|director|vp|chief|staff(?=.{0,100}\b(?:engineer|scientist|developer|designer|architect))|"
    r"(?:engineering|development|software|people|team)\s+manager)\b",
    re.I,
)
ENTRY_TITLES = re.compile(r"\b(junior|jr\.?|entry[- ]level|graduate|intern(ship)?|trainee|apprentice|new grad)\b", re.I)
SECTION_WEIGHTS = {Section.REQUIREMENTS: 1.0, Section.RESPONSIBILITIES: 0.8, Section.OTHER: 0.6, Section.NICE: 0.5}
MAX_ITEM_CHARS = 500
HEAD_CHARS = 3000  # company and location are stated near the top


_MARKDOWN = re.compile(r"^(\s*+)#{1,6}\s+|\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_HEADING_PREFIX = re.compile(r"^(?:the\s++)?(?:key|main|core|job|technical|basic|your|desired)\s++")
_MONEY_OR_DIGIT = re.compile(r"[$€£\d]")
_NAME_WORD = re.compile(r"[A-Za-z][\w&.'-]*+")
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z+#.-]{2,}+")
MAX_LINE_CHARS = 2_000  # a longer line is cut before the patterns read it (an item keeps MAX_ITEM_CHARS anyway)


def _plain(raw: str) -> str:
    """Line endings, curly quotes and Markdown emphasis/headings normalised away; bullets kept."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2019", "'").replace("\u2018", "'")
    return "\n".join(_MARKDOWN.sub(lambda m: m.group(1) or "", line) for line in text.split("\n"))


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).strip(" .;,")


def _heading(line: str) -> tuple[Section, str] | None:
    """A line that names a section, with whatever follows its colon on the same line."""
    stripped = line.strip().lstrip("#").strip()
    name, colon, rest = stripped.partition(":")
    key = _clean(name).lower().rstrip("!?")
    if key not in _HEADING_INDEX:  # "Key Skills", "Main Responsibilities", "Job Requirements"
        key = _HEADING_PREFIX.sub("", key).strip()
    if key in _HEADING_INDEX and (colon or len(stripped) <= 60) and not _BULLET.match(line):
        return _HEADING_INDEX[key], rest.strip()
    return None


def _items(text: str) -> list[str]:
    """Inline lists ("401(k) match, hybrid schedule") split on commas and semicolons outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char in ",;" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in (_clean(part) for part in parts) if p]


def parse_job(raw_text: str, lexicon: Lexicon) -> ParsedJob:
    """Parse a posting; JOB_PARSING_FAILED when nothing in it looks like a job."""
    text = _plain(raw_text)
    lines = [line[:MAX_LINE_CHARS].rstrip() for line in text.split("\n")]
    job = ParsedJob()
    fields, header = _explicit_fields(lines)
    job.title = fields.get("title")
    job.company = fields.get("company")
    job.location = fields.get("location")
    _header_guess(header, job)

    sections = _sections(lines)
    if not any(sections[s] for s in (Section.REQUIREMENTS, Section.RESPONSIBILITIES, Section.NICE)):
        sections = _sentence_sections(text)
    required: list[str] = []
    for item in sections[Section.REQUIREMENTS]:
        for part in (p.strip() for p in item.split(";")) if ";" in item else [item]:
            (sections[Section.NICE] if _NICE_HINT.search(part) else required).append(part)
    sections[Section.REQUIREMENTS] = [part for part in required if part]
    job.requirements = sections[Section.REQUIREMENTS]
    job.nice_to_haves = sections[Section.NICE]
    job.responsibilities = sections[Section.RESPONSIBILITIES]

    if job.company is None:
        if match := _COMPANY_SENTENCE.search(text[:HEAD_CHARS]):
            candidate = match.group(1)
            if candidate.split()[0].lower() not in {"we", "you", "this", "the", "our", "it", "they"}:
                job.company = candidate
    if job.location is None:
        job.location = find_location(text[:HEAD_CHARS])

    job.years_required = years_required(" ".join(job.requirements)) or years_required(text)
    job.level = level_for(job.title or "", job.years_required)
    job.skills = lexicon.skills_in(text)
    job.keywords = _keywords(job, sections, lexicon)

    checks = {
        "a job title": job.title and _TITLE_WORDS.search(job.title),
        "requirements or responsibilities": job.requirements or job.responsibilities,
        "any known skill": job.skills,
    }
    missing = [name for name, present in checks.items() if not present]
    if len(missing) == len(checks) or (not job.skills and not checks["requirements or responsibilities"]):
        raise JobParsingFailed(
            "This does not look like a job posting: could not find " + ", ".join(missing), field="raw_text"
        )
    return job


def _explicit_fields(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """`Title: …`, `Company: …`, `Location: …` lines, and the first lines before any section."""
    fields: dict[str, str] = {}
    header: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if match := _FIELD.match(line):
            label, value = match.group(1).lower(), _clean(match.group(2))
            kind = (
                "title"
                if label in {"title", "position", "role", "job title"}
                else "location"
                if label in {"location", "based in"}
                else "company"
            )
            fields.setdefault(kind, value)
            continue
        heading = _heading(line)
        if heading and heading[1] and heading[0] is Section.OTHER:
            continue  # "Salary: $120k", "Benefits: ..." — a field line, not the start of the body
        if heading or _BULLET.match(line):
            break
        header.append(line.strip())
    return fields, header[:3]


def _header_guess(header: list[str], job: ParsedJob) -> None:
    """The first lines usually say "Title — Company" and "Company — City, ST"."""
    for index, line in enumerate(header):
        if len(line) > 120 or line.endswith("."):
            continue  # a sentence, not a header line
        parts = [_clean(p) for p in _DASH_SPLIT.split(line) if _clean(p)]
        if job.title is None and index == 0:
            job.title = parts[0]
            parts = parts[1:]
        for part in parts:
            location = find_location(part)
            if location and job.location is None and len(part) - len(location) < 4:
                job.location = location
            elif job.company is None and _looks_like_company(part):
                job.company = part


TEAM_WORDS = frozenset(
    """backend frontend front-end back-end platform payments growth infrastructure data mobile security product
    design research analytics operations ops sales marketing finance support remote hybrid onsite on-site contract
    full-time part-time temporary permanent night day shift icu er""".split()
)


def _looks_like_company(part: str) -> bool:
    """After a dash may come a company, a team ("Backend"), a schedule or a salary: only the first counts."""
    if len(part) > 60 or _TITLE_WORDS.search(part) or _MONEY_OR_DIGIT.search(part) or _REMOTE.search(part):
        return False
    words = _NAME_WORD.findall(part)
    return bool(words) and not all(word.lower() in TEAM_WORDS for word in words) and part[:1].isupper()


def find_location(text: str) -> str | None:
    if match := _CITY_STATE.search(text):
        return _clean(match.group(1))
    if match := _REMOTE.search(text):
        return _clean(match.group(0)).capitalize() if match.group(0).islower() else _clean(match.group(0))
    return None


def _sections(lines: list[str]) -> dict[Section, list[str]]:
    sections: dict[Section, list[str]] = {section: [] for section in Section}
    current: Section | None = None
    pending: list[str] = []  # a wrapped bullet continues on the next line

    def flush() -> None:
        if pending and current is not None:
            item = _clean(" ".join(pending))[:MAX_ITEM_CHARS]
            if item:
                sections[current].append(item)
        pending.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        if heading := _heading(line):
            flush()
            current, rest = heading
            if rest:
                sections[current].extend(_items(rest) if current is Section.OTHER else [_clean(rest)])
            continue
        if current is None:
            continue
        if _BULLET.match(line):
            flush()
            pending.append(_BULLET.sub("", line))
        elif pending:
            pending.append(line)
        else:
            pending.append(line)
            flush()
    flush()
    return sections


def _sentence_sections(text: str) -> dict[Section, list[str]]:
    """No headings: sort the sentences of a one-paragraph posting by what they ask for."""
    sections: dict[Section, list[str]] = {section: [] for section in Section}
    for sentence in _SENTENCES.split(" ".join(text.split())):
        cleaned = _clean(sentence)
        if not cleaned:
            continue
        if _NICE_HINT.search(cleaned):
            sections[Section.NICE].append(cleaned)
        elif _REQ_HINT.search(cleaned):
            sections[Section.REQUIREMENTS].append(cleaned)
        elif _RESP_HINT.search(cleaned):
            sections[Section.RESPONSIBILITIES].append(cleaned)
    return sections


def years_required(text: str) -> int | None:
    """The largest minimum number of years asked for ("3-5 years" asks for 3, "5+ years" for 5)."""
    found = [
        int(m.group(1))
        for m in _YEARS.finditer(text)
        if 0 < int(m.group(1)) <= 30
        and not _NOT_EXPERIENCE.match(text, m.end())
        and not _YEARS_CONTEXT.search(text[max(0, m.start() - 25) : m.start()])
    ]
    found += [_YEARS_WORDS[m.group(1).lower()] for m in _YEARS_WORD.finditer(text)]
    return max(found) if found else None


def level_for(title: str, years: int | None) -> Level:
    """The title decides when it says; otherwise the years asked for."""
    if ENTRY_TITLES.search(title):
        return Level.ENTRY
    if LEAD_TITLES.search(title):
        return Level.LEAD
    if SENIOR_TITLES.search(title):
        return Level.SENIOR
    if years is None or years <= 2:
        return Level.ENTRY if years is not None else Level.MID
    return Level.MID if years <= 4 else Level.SENIOR


def _keywords(job: ParsedJob, sections: dict[Section, list[str]], lexicon: Lexicon) -> list[Keyword]:
    """Skills weighted by where they are asked for and how often; then the title's own words."""
    scores: Counter[str] = Counter()
    for section, items in sections.items():
        for item in items:
            for name in lexicon.skills_in(item):
                scores[name] = max(scores[name], SECTION_WEIGHTS[section]) + 0.05
    for name in job.skills:
        scores.setdefault(name, SECTION_WEIGHTS[Section.OTHER])
    for word in _TITLE_WORD.findall(job.title or ""):
        if word.lower() not in _STOPWORDS and lexicon.canonical(word) is None:
            scores.setdefault(word.lower(), 0.4)
    top = max(scores.values(), default=1.0)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Keyword(term, round(min(1.0, score / top), 3)) for term, score in ranked]
