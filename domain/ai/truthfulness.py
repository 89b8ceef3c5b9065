"""The truthfulness check: what a generated text claims that the person's own data (or the job)
does not support — numbers, years, technologies, and names of employers, titles or schools.

Generated text is untrusted. Providers' outputs pass through `check` before anything is stored:
sentences with unsupported claims are removed (`strip_unsupported`) or the claims are reported
as warnings — never silently kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.skills import Lexicon

_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|x|k|m|bn|million|billion))?(?![\w])", re.I)
# Possessive runs: `\s+(?:of|…)?\s*` split a run of spaces every way before failing (quadratic).
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z0-9&.'-]*+(?:\s++(?:(?:of|and|&|de|the)\s*+)?[A-Z][a-zA-Z0-9&.'-]*+)*+")
_LEAD = re.compile(r"^[\s\-*•·\d.)(]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s++|\n++")
_NOT_NUMBER = re.compile(r"[^\d.]")
# Capitalised words that are not claims: greetings, sign-offs, calendar names, pronouns, headings.
ORDINARY = frozenset(
    """i dear sincerely regards best kind thank thanks hiring manager team hello hi yours respectfully warm
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday summary experience education skills projects
    certifications professional profile objective highlights responsibilities requirements about the a an
    my our your this that these those in at on for with and or but as to of by from""".split()
)


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str  # "number" | "technology" | "name"
    text: str
    sentence: str

    @property
    def warning(self) -> str:
        return f"Unsupported {self.kind} '{self.text}' (not in your data or the job)"


def _normalise_number(token: str) -> str:
    token = token.lower().replace(",", "").replace(" ", "").replace("percent", "%")
    return token.lstrip("$€£")


def _numbers(text: str) -> set[str]:
    return {_normalise_number(match.group()) for match in _NUMBER.finditer(text)}


def _bare(number: str) -> str:
    return _NOT_NUMBER.sub("", number)


class TruthChecker:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    def check(self, generated: str, sources: Iterable[str]) -> list[Claim]:
        """Every claim in `generated` that no source supports, in order of appearance."""
        source_text = "\n".join(sources)
        source_lower = source_text.lower()
        source_numbers = _numbers(source_text)
        source_bare = {_bare(n) for n in source_numbers}
        source_skills = set(self._lexicon.skills_in(source_text))
        claims: list[Claim] = []
        for sentence in (s.strip() for s in _SENTENCE.split(generated)):
            if not sentence:
                continue
            for match in _NUMBER.finditer(sentence):
                number = _normalise_number(match.group())
                if number not in source_numbers and _bare(number) not in source_bare:
                    claims.append(Claim("number", match.group().strip(), sentence))
            for skill in self._lexicon.skills_in(sentence):
                if skill not in source_skills:
                    claims.append(Claim("technology", skill, sentence))
            claims += self._names(sentence, source_lower)
        return claims

    def _names(self, sentence: str, source_lower: str) -> list[Claim]:
        """Capitalised names (employers, titles, schools) absent from the sources. The first word of
        a sentence is capitalised anyway, so it only counts as part of a longer name."""
        found = []
        lead = _LEAD.match(sentence).end()  # type: ignore[union-attr]  # bullets and numbering
        for match in _CAPITALISED.finditer(sentence):
            words = match.group().split()
            if match.start() <= lead:
                words = words[1:]
            name = " ".join(w for w in words if w.lower().strip(".,'") not in ORDINARY)
            if not name or self._lexicon.canonical(name) or any(ch.isdigit() for ch in name):
                continue
            if not all(word.lower().strip(".,'") in source_lower for word in name.split()):
                found.append(Claim("name", name.strip(".,"), sentence))
        return found

    def strip_unsupported(self, generated: str, sources: Iterable[str]) -> tuple[str, list[str]]:
        """The text without its unsupported sentences, and a warning for each claim removed."""
        claims = self.check(generated, list(sources))
        if not claims:
            return generated, []
        bad = {claim.sentence for claim in claims}
        lines = []
        for line in generated.split("\n"):  # line by line, so bullets and headers keep their lines
            sentences = [s.strip() for s in _SENTENCE.split(line) if s.strip()]
            kept = [s for s in sentences if s not in bad]
            if sentences and not kept:
                continue  # the line was nothing but unsupported claims
            lines.append(line if len(kept) == len(sentences) else " ".join(kept))
        return "\n".join(lines), [claim.warning for claim in claims]
