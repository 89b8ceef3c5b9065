"""The skills lexicon and its matcher: finds skills in free text and names them canonically.

Matching is whole word or phrase, case-insensitive, aliases included, and never inside another
word ("Java" is not in "JavaScript", "SQL" is not in "PostgreSQL"). Surface forms that are also
ordinary words or one or two letters ("Go", "R", "Rust", "Spark", "REST") count only when written
with their proper capitalisation *and* the context says "skill": another skill nearby in the same
sentence, or a cue such as "in Go", "Go developer", "R programming".
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Ordinary English words that are also names of skills: such forms need capitalisation + context.
COMMON_WORDS = frozenset(
    """
    access ann ant backbone basic beam bootstrap build c chef click crystal dart drill elm ember excel
    express fabric flash flow forth gin go grunt gulp hive ionic julia kit lambda less logo make
    ids mercury meteor mocha nest node object pig play polymer power prism puppet rails react realm rest
    ruby rust salt scheme shell sketch slim spark spring storm swift teams vault word zoom lean
    """.split()
)
CUE_BEFORE = frozenset({"in", "with", "using", "including", "use", "like", "via", "e.g."})
CUE_AFTER = frozenset(
    {
        "language", "languages", "programming", "developer", "developers", "engineer", "engineers",
        "code", "codebase", "services", "microservices", "backend", "framework", "library", "stack",
        "experience", "skills", "development", "apis", "api", "cluster", "clusters", "jobs", "pipelines",
        "scripts", "scripting", "modules", "apps", "applications",
    }
)  # fmt: skip
REJECT_AFTER = frozenset({"to", "ahead", "live", "back", "beyond", "away", "over", "through", "of", "the"})
CONTEXT_CHARS = 80  # how far (within one sentence) another skill vouches for an ambiguous one
_WORD = re.compile(r"[\w.+#-]+")
_SENTENCE_BREAK = re.compile(r"[.!?;:]\s|\n")


@dataclass(frozen=True, slots=True)
class Skill:
    name: str
    category: str
    aliases: tuple[str, ...] = ()
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """One occurrence: the canonical skill and where (and how) the text wrote it."""

    skill: str
    category: str
    surface: str
    start: int
    end: int


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _trie_regex(forms: Iterable[str]) -> str:
    """One alternation for many forms, factored by common prefixes ("java", "javascript" → `java(?:script)?`),
    so a position costs one branch per distinct next letter rather than one per form. It matches what
    the plain longest-first alternation matches: the forms that fit at a position are prefixes of one
    another, and the greedy optional tails try the longest first (giving back when the boundary check
    after the match fails). A space in a form matches any run of whitespace (`\\s++`: the next letter of
    a form is never whitespace, so nothing is given back)."""
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form.lower():
            node = node.setdefault(char, {})
        node[""] = {}  # a form ends here

    def render(node: dict) -> str:
        branches = [
            (r"\s++" if char == " " else re.escape(char)) + render(child) for char, child in node.items() if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a form ends here; a longer one may go on
            return f"(?:{body})?" if len(branches) == 1 and len(body) > 1 else body + "?"
        return body

    return render(trie)


def _pattern(forms: Iterable[str]) -> re.Pattern[str]:
    # Forms are lower-case, single-spaced keys (`_key`); matching ignores case.
    # Not inside a word: no word character (or + # .) glued on either side; "Node.js" is not "Node".
    return re.compile(rf"(?<![\w+#.@])(?:{_trie_regex(forms)})(?![\w+#@&]|\.\w)", re.IGNORECASE)


MAX_SUBSET_PATTERNS = 512  # compiled patterns kept for `skills_among` (one per distinct set of skills)


class Lexicon:
    def __init__(self, skills: Iterable[Skill]) -> None:
        self.skills: dict[str, Skill] = {}
        self._by_form: dict[str, Skill] = {}
        self._ambiguous_forms: set[str] = set()
        self._exact_forms: dict[str, set[str]] = {}
        for skill in skills:
            self.skills[skill.name] = skill
            for form in (skill.name, *skill.aliases):
                key = _key(form)
                existing = self._by_form.get(key)
                if existing is not None and existing.name != skill.name:
                    raise ValueError(f"'{form}' names both {existing.name} and {skill.name}")
                self._by_form[key] = skill
                self._exact_forms.setdefault(key, set()).add(form)
                if self._needs_context(skill, form):
                    self._ambiguous_forms.add(key)
        self._pattern = _pattern(self._by_form)
        self._subsets: dict[frozenset[str], re.Pattern[str]] = {}

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """The shipped lexicon travels to a worker process as a reference to the worker's own copy
        (built once there); another one as its skills."""
        if self is default_lexicon():
            return default_lexicon, ()
        return Lexicon, (list(self.skills.values()),)

    @staticmethod
    def _needs_context(skill: Skill, form: str) -> bool:
        lowered = form.lower()
        if lowered in COMMON_WORDS or (len(form) <= 2 and form.isalpha()):
            return True
        return skill.ambiguous and form == skill.name

    @classmethod
    def from_json(cls, text: str) -> Lexicon:
        data = json.loads(text)
        return cls(
            Skill(
                name=item["name"],
                category=item["category"],
                aliases=tuple(item.get("aliases", ())),
                ambiguous=bool(item.get("ambiguous", False)),
            )
            for item in data["skills"]
        )

    def __len__(self) -> int:
        return len(self.skills)

    def canonical(self, term: str) -> str | None:
        """The canonical name of a skill written any known way ("k8s" → "Kubernetes"), else None."""
        skill = self._by_form.get(_key(term))
        return skill.name if skill else None

    def category(self, name: str) -> str | None:
        skill = self.skills.get(name)
        return skill.category if skill else None

    def find(self, text: str, pattern: re.Pattern[str] | None = None) -> list[SkillMatch]:
        """Every occurrence, in order; ambiguous forms only where the context vouches for them."""
        pattern = pattern or self._pattern
        candidates = [(match, _key(match.group())) for match in pattern.finditer(text)]
        sure = [m.start() for m, key in candidates if key not in self._ambiguous_forms]
        breaks = [b.end() for b in _SENTENCE_BREAK.finditer(text)]  # once, not per match
        # What the words around an ambiguous match say is read once: a verdict, or the span in which
        # another sure skill must stand (which the passes below only look up).
        verdicts = {
            index: self._context(text, match, key, breaks)
            for index, (match, key) in enumerate(candidates)
            if key in self._ambiguous_forms
        }
        for _ in range(2):  # an ambiguous skill that is vouched for vouches for its neighbours ("Go or Rust")
            vouched = [candidates[i][0].start() for i, verdict in verdicts.items() if _holds(verdict, sure)]
            sure = sorted(set(sure) | set(vouched))
        found = []
        for index, (match, key) in enumerate(candidates):
            if index in verdicts and not _holds(verdicts[index], sure):
                continue
            skill = self._by_form[key]
            found.append(SkillMatch(skill.name, skill.category, match.group(), match.start(), match.end()))
        return found

    def skills_in(self, text: str) -> list[str]:
        """Distinct canonical skills in order of first appearance."""
        return list(dict.fromkeys(match.skill for match in self.find(text)))

    def skills_among(self, text: str, names: Iterable[str]) -> list[str]:
        """Which of the named skills the text shows, by the rules of `find`, scanning for those skills
        only: a job's dozen skills against a resume costs a fraction of a scan for the whole lexicon."""
        wanted = frozenset(skill.name for name in names if (skill := self._by_form.get(_key(name))))
        if not wanted:
            return []
        pattern = self._subsets.get(wanted)
        if pattern is None:
            if len(self._subsets) >= MAX_SUBSET_PATTERNS:
                self._subsets.clear()
            forms = {key: skill for key, skill in self._by_form.items() if skill.name in wanted}
            pattern = self._subsets[wanted] = _pattern(forms)
        return list(dict.fromkeys(match.skill for match in self.find(text, pattern)))

    def normalise(self, terms: Iterable[str]) -> list[str]:
        """Canonical names for known skills, trimmed originals for unknown ones, without duplicates."""
        seen: dict[str, str] = {}
        for term in terms:
            cleaned = " ".join(term.split())
            if cleaned:
                name = self.canonical(cleaned) or cleaned
                seen.setdefault(name.lower(), name)
        return list(seen.values())

    def _context(self, text: str, match: re.Match[str], key: str, breaks: list[int]) -> bool | tuple[int, int]:
        """Whether the words around an ambiguous match make it a skill (True / False), or else the span
        [low, high) in which a sure skill vouches for it."""
        if match.group() not in self._exact_forms[key]:
            return False  # "go", "rest", "r": an ordinary word, not the skill
        if len(match.group()) <= 2 and text[match.end() : match.end() + 1] == "-":
            return False  # "C-suite", "R-rated"
        before = [w.strip(".,;:!?") for w in _WORD.findall(text[max(0, match.start() - 24) : match.start()])]
        after = [w.strip(".,;:!?") for w in _WORD.findall(text[match.end() : match.end() + 24])]
        next_word = after[0].lower() if after else ""
        if next_word in REJECT_AFTER:
            return False
        if next_word in CUE_AFTER or (before and before[-1].lower() in CUE_BEFORE):
            return True
        position = match.start()
        index = bisect.bisect_right(breaks, position)
        start = breaks[index - 1] if index else 0
        if key in COMMON_WORDS and not text[start:position].strip(" \t-*•"):
            return False  # "React quickly...", "Swift resolution...": a capital that only starts a sentence
        end = breaks[index] if index < len(breaks) else len(text)
        return max(start, position - CONTEXT_CHARS), min(end, position + CONTEXT_CHARS + 1)


def _holds(verdict: bool | tuple[int, int], sure: list[int]) -> bool:
    """A verdict of `Lexicon._context` against the sorted positions of the sure skills."""
    if isinstance(verdict, bool):
        return verdict
    low, high = verdict
    index = bisect.bisect_left(sure, low)
    return index < len(sure) and sure[index] < high


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped in the package (`domain/data/skills.json`), loaded once."""
    return Lexicon.from_json(resources.files("domain").joinpath("data/skills.json").read_text("utf-8"))
