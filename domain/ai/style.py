"""Writing style measured, not guessed: stylometrics of a sample text, and a tone label derived from them.

This is what the offline `local` provider answers for "extract the writing style"; the numbers also
steer how it writes (sentence length, formality, first person) so its output sounds like the person.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n{2,}")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
FORMAL_MARKERS = frozenset(
    """furthermore moreover therefore consequently accordingly additionally nevertheless hence thus
    sincerely respectfully regarding pursuant whereas herewith esteemed grateful opportunity""".split()
)
INFORMAL_MARKERS = frozenset(
    """awesome super cool stuff things guys totally really pretty gonna wanna kinda sorta lots ok okay
    yeah hey amazing huge fun excited thrilled love""".split()
)
# The most frequent English words (and common job-text words): the rest counts as "rarer" vocabulary.
COMMON = frozenset(
    """the be to of and a in that have i it for not on with he as you do at this but his by from they we say
    her she or an will my one all would there their what so up out if about who get which go me when make can
    like time no just him know take people into year your good some could them see other than then now look
    only come its over think also back after use two how our work first well way even new want because any
    these give day most us is are was were been has had did am being team help made worked work working
    team years role company job experience skills project projects build built lead led manage managed
    develop developed support supported create created improve improved customer customers data system
    systems product products process service services business new more many each very much""".split()
)
STOPWORDS = frozenset(
    """a an the and or but of to in on at for with by from as is are was were be been am i my me we our you
    your it its this that these those so if than then there their they he she his her them us""".split()
)


@dataclass(frozen=True)
class WritingStyle:
    sentence_length_mean: float
    sentence_length_stdev: float
    average_word_length: float
    rare_word_rate: float  # share of words outside the common vocabulary
    vocabulary_level: str  # "plain" | "moderate" | "advanced"
    formality: float  # 0 (casual) .. 1 (formal)
    first_person_rate: float  # share of words that are I/me/my...
    contraction_rate: float
    exclamation_rate: float  # exclamation marks per sentence
    characteristic_phrases: list[str] = field(default_factory=list)
    tone: str = "neutral"
    word_count: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(text) if _WORDS.search(s)]


def _phrases(words: list[str], limit: int = 5) -> list[str]:
    """Repeated 2- and 3-word phrases that neither start nor end with a stopword, most frequent first."""
    counts: Counter[str] = Counter()
    for size in (3, 2):
        for i in range(len(words) - size + 1):
            gram = words[i : i + size]
            if gram[0] not in STOPWORDS and gram[-1] not in STOPWORDS:
                counts[" ".join(gram)] += 1
    repeated = [(phrase, n) for phrase, n in counts.items() if n >= 2]
    repeated.sort(key=lambda item: (-item[1], -len(item[0].split()), item[0]))
    chosen: list[str] = []
    for phrase, _ in repeated:
        if not any(phrase in longer for longer in chosen):
            chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen


def tone_for(formality: float, first_person: float, exclamations: float, sentence_mean: float) -> str:
    if exclamations >= 0.2 or (formality < 0.35 and first_person > 0.04):
        return "enthusiastic and conversational" if exclamations >= 0.2 else "conversational"
    if formality >= 0.65:
        return "formal and measured" if sentence_mean >= 18 else "formal and concise"
    if sentence_mean < 12:
        return "concise and direct"
    return "professional and warm" if first_person > 0.03 else "professional and neutral"


def measure(text: str) -> WritingStyle:
    """Stylometrics of `text`. Empty or wordless text measures as zeros with a neutral tone."""
    sentences = _sentences(text)
    words = [w.lower().strip("'’-") for w in _WORDS.findall(text)]
    if not words or not sentences:
        return WritingStyle(0, 0, 0, 0, "plain", 0.5, 0, 0, 0, [], "neutral", 0)
    lengths = [len(_WORDS.findall(s)) for s in sentences]
    mean = statistics.fmean(lengths)
    stdev = statistics.pstdev(lengths) if len(lengths) > 1 else 0.0
    average_length = statistics.fmean(len(w) for w in words)
    rare = sum(w not in COMMON and w not in STOPWORDS for w in words) / len(words)
    level = "advanced" if average_length >= 5.6 or rare >= 0.55 else "moderate" if average_length >= 4.6 else "plain"
    contractions = sum(("'" in w or "’" in w) and not w.endswith("'s") for w in words) / len(words)
    exclamations = text.count("!") / len(sentences)
    formal = sum(w in FORMAL_MARKERS for w in words)
    informal = sum(w in INFORMAL_MARKERS for w in words)
    # Start neutral; formal words, long sentences and long words push up; casual words, contractions
    # and exclamation marks push down.
    formality = 0.5
    formality += min(0.25, formal / len(words) * 25) - min(0.25, informal / len(words) * 25)
    formality += max(-0.1, min(0.15, (mean - 15) / 60)) + max(-0.1, min(0.1, (average_length - 4.8) / 8))
    formality -= min(0.2, contractions * 8) + min(0.2, exclamations * 0.4)
    formality = round(max(0.0, min(1.0, formality)), 3)
    first_person = sum(w in FIRST_PERSON for w in words) / len(words)
    return WritingStyle(
        sentence_length_mean=round(mean, 2),
        sentence_length_stdev=round(stdev, 2),
        average_word_length=round(average_length, 2),
        rare_word_rate=round(rare, 3),
        vocabulary_level=level,
        formality=formality,
        first_person_rate=round(first_person, 3),
        contraction_rate=round(contractions, 3),
        exclamation_rate=round(exclamations, 3),
        characteristic_phrases=_phrases(words),
        tone=tone_for(formality, first_person, exclamations, mean),
        word_count=len(words),
    )


# The register used when the person has no sample to write like: professional, plain first person.
NEUTRAL_STYLE = WritingStyle(18.0, 6.0, 5.0, 0.3, "moderate", 0.6, 0.03, 0.0, 0.0, [], "professional and neutral", 0)
