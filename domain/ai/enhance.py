"""Rule-based enhancement: stronger wording without new facts. What the offline `local` provider does.

It leads with an action verb, drops filler and hedges, puts finished roles in the past tense, tightens
wordy phrases and tidies punctuation. It never adds a number, name or technology: every rule only
removes words or swaps a verb or stock phrase for another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILLERS = re.compile(
    r"\b(?:i think that|i think|i believe that|i believe|i feel that|kind of|sort of|basically|actually|really|"
    r"very|just|somewhat|quite|a bit|pretty much|more or less|in some ways|successfully)\s+",
    re.I,
)
WORDY = [
    (re.compile(r"\bin order to\b", re.I), "to"),
    (re.compile(r"\bdue to the fact that\b", re.I), "because"),
    (re.compile(r"\ba number of\b", re.I), "several"),
    (re.compile(r"\bat this point in time\b", re.I), "now"),
    (re.compile(r"\butili[sz](e|ed|es|ing)\b", re.I), r"us\1"),
    (re.compile(r"\bwas able to\s+", re.I), ""),
    (re.compile(r"\bwere able to\s+", re.I), ""),
    (re.compile(r"\bon a daily basis\b", re.I), "daily"),
]
PAST = {
    "build": "built", "lead": "led", "run": "ran", "write": "wrote", "drive": "drove", "own": "owned",
    "manage": "managed", "develop": "developed", "design": "designed", "create": "created", "improve": "improved",
    "maintain": "maintained", "mentor": "mentored", "migrate": "migrated", "implement": "implemented",
    "ship": "shipped", "reduce": "reduced", "increase": "increased", "deliver": "delivered",
    "automate": "automated", "support": "supported", "coordinate": "coordinated", "analyze": "analyzed",
    "analyse": "analysed", "test": "tested", "deploy": "deployed", "launch": "launched", "scale": "scaled",
    "optimize": "optimized", "optimise": "optimised", "architect": "architected", "establish": "established",
    "introduce": "introduced", "train": "trained", "hire": "hired", "plan": "planned", "research": "researched",
    "model": "modeled", "teach": "taught", "sell": "sold", "grow": "grew", "cut": "cut", "set": "set",
    "handle": "handled", "oversee": "oversaw", "partner": "partnered", "collaborate": "collaborated",
    "contribute": "contributed", "refactor": "refactored", "integrate": "integrated", "monitor": "monitored",
    "document": "documented", "review": "reviewed", "define": "defined", "prototype": "prototyped",
}  # fmt: skip
ING = {verb[:-1] + "ing" if verb.endswith("e") and verb not in {"see"} else verb + "ing": verb for verb in PAST}
ING.update({"running": "run", "planning": "plan", "shipping": "ship", "setting": "set", "cutting": "cut"})
OPENERS = [
    (re.compile(r"^(?:i\s+was\s+|was\s+|i\s+am\s+|am\s+)?(?:responsible|tasked)\s+(?:for|with)\s+(\w+ing)\b", re.I),
     "verb"),
    (re.compile(r"^(?:my\s+)?duties\s+included\s+(\w+ing)\b", re.I), "verb"),
    (re.compile(r"^(?:i\s+was\s+|was\s+)?(?:responsible|tasked)\s+(?:for|with)\s+", re.I), "Owned "),
    (re.compile(r"^(?:i\s+|we\s+)?worked\s+on\s+", re.I), "Contributed to "),
    (re.compile(r"^(?:i|we)\s+(?=\w+ed\b|led\b|built\b|ran\b|wrote\b|drove\b|grew\b|cut\b|taught\b|oversaw\b)", re.I),
     ""),
]  # fmt: skip
_SENTENCES = re.compile(r"(?<=[.!?])\s++")
_BULLET = re.compile(r"^\s*+([-*•]\s+)")


@dataclass
class Enhancement:
    text: str
    changes: list[str] = field(default_factory=list)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _past(word: str) -> str | None:
    lower = word.lower()
    if lower in PAST:
        return PAST[lower]
    if lower in ING:
        return PAST[ING[lower]]
    return None


def enhance_sentence(sentence: str, *, finished: bool, changes: list[str]) -> str:
    text = " ".join(sentence.split())
    stripped = FILLERS.sub("", text)
    if stripped != text:
        changes.append("removed filler and hedges")
        text = stripped
    before = text
    for pattern, replacement in OPENERS:
        match = pattern.match(text)
        if not match:
            continue
        if replacement == "verb":
            verb = _past(match.group(1))
            if verb is None:
                continue
            text = verb + text[match.end() :]
        else:
            text = replacement + text[match.end() :]
        break
    if text != before:
        changes.append("led with an action verb")
    for pattern, replacement in WORDY:
        tightened = pattern.sub(replacement, text)
        if tightened != text:
            changes.append("tightened wording")
            text = tightened
    if finished:
        first, _, rest = text.partition(" ")
        past = _past(first.strip(",;:"))
        if past and past.lower() != first.lower():
            text = past + (" " + rest if rest else "")
            changes.append("past tense for a finished role")
    text = " ".join(text.split())
    text = _capitalise(text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


def enhance_text(text: str, *, finished: bool = False) -> Enhancement:
    """Each sentence (or line of a bulleted description) rewritten by the rules; facts untouched."""
    changes: list[str] = []
    lines = []
    for line in text.strip().splitlines():
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        sentences = [s for s in _SENTENCES.split(body.strip()) if s]
        rewritten = " ".join(enhance_sentence(s, finished=finished, changes=changes) for s in sentences)
        if rewritten:
            lines.append(("- " if bullet else "") + rewritten)
    result = "\n".join(lines)
    return Enhancement(result, sorted(set(changes)))
