"""Stylometrics move in the expected direction between clearly different texts."""

from __future__ import annotations

from pathlib import Path

from domain.ai.style import measure

TERSE = "Shipped the API. Cut costs 30%. Led four engineers. Owned on-call."
FLORID = (
    "I am writing to express my sincere interest in the opportunity to contribute to your esteemed "
    "organisation, where I believe my considerable experience in distributed systems would be of "
    "genuine value. Furthermore, I have consistently demonstrated a commitment to thoughtful, "
    "collaborative engineering, and I would therefore welcome the chance to discuss my candidacy."
)
CASUAL = "Hey! I'm super excited about this role! I've built lots of cool stuff and I'd love to chat!"
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "cover_letter_maya.txt"


def test_terse_and_florid_differ_as_expected() -> None:
    terse, florid = measure(TERSE), measure(FLORID)
    assert terse.sentence_length_mean < 5 < 20 < florid.sentence_length_mean
    assert florid.formality > terse.formality
    assert florid.first_person_rate > terse.first_person_rate == 0
    assert florid.average_word_length > terse.average_word_length
    assert terse.tone == "concise and direct"
    assert florid.tone.startswith("formal")


def test_casual_text_reads_as_casual() -> None:
    casual = measure(CASUAL)
    assert casual.formality < measure(FLORID).formality and casual.formality < 0.4
    assert casual.exclamation_rate == 1.0 and casual.contraction_rate > 0.1
    assert "enthusiastic" in casual.tone


def test_characteristic_phrases_are_repeated_ones() -> None:
    text = "I love building reliable systems. Reliable systems need care. My team builds reliable systems for patients."
    assert "reliable systems" in measure(text).characteristic_phrases


def test_a_real_cover_letter_and_empty_text() -> None:
    style = measure(SAMPLE.read_text())
    assert style.word_count > 100 and 8 < style.sentence_length_mean < 40
    assert 0 <= style.formality <= 1 and style.first_person_rate > 0
    empty = measure("  \n ")
    assert empty.word_count == 0 and empty.tone == "neutral"
