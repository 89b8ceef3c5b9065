"""The pure parts of generation: the resume compiler, ATS scores, letter paragraphs and export files."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest

from domain.ai.llm import JobBrief, LetterRequest, RankCandidate
from domain.ai.local_writing import cover_letter
from domain.ai.style import NEUTRAL_STYLE
from domain.ats import length_score, letter_report, resume_report
from domain.errors import BadInput, LLMUnavailable
from domain.exports import blocks, export, file_name, pdf_safe, to_pdf, unicode_font_dir
from domain.generations.text import ordered_skills, prompt_terms, shaped_letter
from domain.resume_compiler import Entry, ResumeContent, bullets_of, compile_resume, month_range
from domain.skills import default_lexicon
from domain.wording import fit_paragraphs

LEX = default_lexicon()
CONTENT = ResumeContent(
    name="Ana Núñez",
    headline="Data engineer",
    contact=["ana@example.com", "+1 555 0100"],
    summary="Builds *reliable* pipelines.",
    skills=["Python", "Airflow"],
    experiences=[
        Entry("Data Engineer", ["Acme", "Lisbon"], "Mar 2021 – Present", ["Built 12 Airflow DAGs", "Owned on-call"]),
    ],
    projects=[Entry("Ledger", [], None, ["Reconciled 58 ledgers"], "Technologies: Python")],
    education=[Entry("MSc, Computer Science", ["Univ. Lisboa"], "Jun 2019")],
    certifications=["AWS SA — Amazon (Jan 2022)"],
)


def test_bullets_and_dates() -> None:
    assert bullets_of("- One thing\n• Two things\n3. Three") == ["One thing", "Two things", "Three"]
    assert bullets_of("Built X. Cut Y by 30%.\n") == ["Built X.", "Cut Y by 30%."]
    assert bullets_of("  ") == [] and bullets_of(None) == []
    assert month_range(date(2021, 3, 1), None) == "Mar 2021 – Present"
    assert month_range(date(2021, 3, 1), None, open_ended=False) == "Mar 2021"
    assert month_range(None, None) is None


def test_the_compiler_prints_what_it_is_given_in_both_formats() -> None:
    compiled = compile_resume(CONTENT)
    lines = compiled.text.splitlines()
    assert lines[0] == "ANA NÚÑEZ" and "ana@example.com | +1 555 0100" in lines
    for heading in ("PROFESSIONAL SUMMARY", "SKILLS", "PROFESSIONAL EXPERIENCE", "PROJECTS", "EDUCATION"):
        assert heading in lines
    assert "Data Engineer | Acme | Lisbon" in lines and "• Built 12 Airflow DAGs" in lines
    assert compiled.sections == {
        "contact",
        "summary",
        "skills",
        "experience",
        "projects",
        "education",
        "certifications",
    }
    assert compiled.bullets == ["Built 12 Airflow DAGs", "Owned on-call", "Reconciled 58 ledgers"]
    assert compiled.markdown.startswith("# Ana Núñez\n") and "Builds \\*reliable\\* pipelines." in compiled.markdown
    empty = compile_resume(ResumeContent(None, None, [], None, [], [], [], [], []))
    assert empty.text == "\n" and empty.sections == set()


def test_resume_ats_parts_and_advice() -> None:
    compiled = compile_resume(CONTENT)
    report = resume_report(
        compiled.text,
        bullets=compiled.bullets,
        sections=compiled.sections,
        expected_sections=("contact", "summary", "experience", "skills", "education"),
        skills=["Python", "Airflow", "Apache Kafka"],
        weights={"Python": 1.0, "Airflow": 0.8, "Apache Kafka": 0.9},
        lexicon=LEX,
    )
    assert report.matched_keywords == ["Python", "Airflow"] and report.missing_keywords == ["Apache Kafka"]
    assert report.breakdown["keywords"] == pytest.approx(100 * 1.8 / 2.7, abs=0.1)
    assert report.breakdown["sections"] == 100 and report.breakdown["quantified"] == 100
    assert report.breakdown["action_verbs"] == pytest.approx(100 * (2 / 3) / 0.8, abs=0.1)
    assert report.breakdown["length"] == 0  # far too short
    assert any("Apache Kafka" in note for note in report.feedback) and any("words" in n for n in report.feedback)
    assert 0 <= report.score <= 100
    bare = resume_report(
        "Nothing here", bullets=[], sections=set(), expected_sections=("contact",), skills=[], weights={}, lexicon=LEX
    )
    assert bare.breakdown["keywords"] == 100 and bare.breakdown["sections"] == 0
    assert any("No bullet points" in note for note in bare.feedback)


def test_length_score_bounds() -> None:
    assert length_score(500, 350, 800) == 1 and length_score(100, 350, 800) == 0
    assert length_score(1600, 350, 800) == 0 and 0 < length_score(1000, 350, 800) < 1
    assert 0 < length_score(300, 350, 800) < 1


def test_letter_ats_structure_and_personalisation() -> None:
    body = " ".join(["I built Python services."] * 12)
    text = f"Dear Sam,\n\nI apply for the Data Engineer role at Acme.\n\n{body}\n\n{body}\n\nThanks.\n\nSincerely,\nAna"
    report = letter_report(text, skills=["Python"], weights={}, role="Data Engineer", company="Acme", lexicon=LEX)
    assert report.breakdown["structure"] == 100 and report.breakdown["personalisation"] == 100
    assert report.breakdown["keywords"] == 100
    unsigned = letter_report("Hello.", skills=["Go"], weights={}, role="SRE", company="Zeta", lexicon=LEX)
    assert unsigned.breakdown["structure"] < 100 and unsigned.breakdown["personalisation"] == 0
    assert any("Name the role" in note for note in unsigned.feedback)


def test_letter_paragraph_limit_and_greeting() -> None:
    assert fit_paragraphs(["a", "b", "c", "d"], 2) == ["a", "b c d"]
    assert fit_paragraphs(["a", " ", "b"], 5) == ["a", "b"]
    items = [
        RankCandidate(f"e{i}", "experience", f"Engineer at Firm{i}", f"Built system {i}. Cut cost {i}%.", 0.5, [])
        for i in range(3)
    ]
    job = JobBrief("Data Engineer", "Acme", ["Python"], {"Python": 1.0})
    for limit in (3, 4, 6):
        request = LetterRequest("Ana", job, items, ["Python"], NEUTRAL_STYLE, None, "Sam Rivera", limit)
        paragraphs = cover_letter(request).split("\n\n")
        assert paragraphs[0] == "Dear Sam Rivera," and paragraphs[-1].endswith("Ana")
        assert len(paragraphs) - 2 <= limit
    assert cover_letter(LetterRequest("Ana", job, items, [], NEUTRAL_STYLE)).startswith("Dear Hiring Manager,")


def test_prompt_terms_and_skill_order() -> None:
    weights = {"Python": 1.0, "Kafka": 0.5}
    boosted = {"Python": 1.0, "Kafka": 1.0, "Rust": 1.0}
    assert prompt_terms("Highlight Kafka, Rust and leadership", weights, boosted) == ["Kafka", "Rust", "leader"]
    assert prompt_terms(None, weights, weights) == []
    assert ordered_skills(["Go", "python", "Python", "Kafka", " "], {"Python": 1.0, "Kafka": 0.4}) == [
        "python",
        "Kafka",
        "Go",
    ]


def test_exports_open_in_their_readers() -> None:
    compiled = compile_resume(CONTENT)
    parsed = blocks(compiled.markdown)
    assert [b.kind for b in parsed[:3]] == ["title", "headline", "paragraph"]
    assert {"heading", "entry", "dates", "bullet"} <= {b.kind for b in parsed}
    word = export(compiled.text, compiled.markdown, "docx", "Resume", "resume").content
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word)).paragraphs]
    assert (
        "Ana Núñez" in paragraphs
        and "Built 12 Airflow DAGs" in paragraphs
        and "Builds *reliable* pipelines." in paragraphs
    )
    pdf = export(compiled.text, compiled.markdown, "pdf", "Resume", "resume").content
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Ana Núñez" in text and "Built 12 Airflow DAGs" in text and "DATA ENGINEER | ACME" not in text
    assert export("plain", "md", "txt", "t", "x").content == b"plain"
    assert export("plain", "md", "md", "t", "x").filename == "x.md"
    with pytest.raises(BadInput):
        export("plain", "md", "exe", "t", "x")
    assert pdf_safe("Łódź “quoted” 日本") == "Lódz “quoted” ??"  # ó is in Windows-1252; ź loses its accent
    assert file_name("resume", "Ácme Corp.", "Sr. Engineer / Data") == "resume-acme-corp-sr-engineer-data"
    assert file_name(None) == "document"


def test_the_letter_keeps_the_greeting_asked_for_and_needs_a_body() -> None:
    shaped = shaped_letter("Dear Someone Else,\n\nOne.\n\nTwo.\n\nThree.\n\nSincerely,\nAna", "Dear Sam,", 2)
    assert shaped == "Dear Sam,\n\nOne.\n\nTwo. Three.\n\nSincerely,\nAna\n"
    assert shaped_letter("Body only.", "Dear Hiring Manager,", 4) == "Dear Hiring Manager,\n\nBody only.\n"
    for empty in ("", "Dear Sam,\n\nSincerely,\nAna"):
        with pytest.raises(LLMUnavailable):
            shaped_letter(empty, "Dear Sam,", 4)


def test_pdf_fonts_with_and_without_dejavu(tmp_path: Path) -> None:
    parts = blocks("# Иван Петров\n\n- Built 3 services 日本\n")
    fallback, complete = to_pdf(parts, "Resume", tmp_path)  # a folder without the fonts: Helvetica
    text = pypdf.PdfReader(io.BytesIO(fallback)).pages[0].extract_text()
    assert complete is False and "????" in text and "Built 3 services" in text
    fonts = Path(__file__).resolve().parents[1] / "fixtures" / "fonts"  # DejaVu Sans, shipped with the tests
    assert unicode_font_dir(fonts) == fonts
    embedded, complete = to_pdf(parts, "Resume", fonts)
    text = pypdf.PdfReader(io.BytesIO(embedded)).pages[0].extract_text()
    assert "Иван Петров" in text and complete is False  # DejaVu has Cyrillic but no CJK
    latin, complete = to_pdf(blocks("# Zoë Łukasz\n"), "Resume", fonts)
    assert complete is True and "Zoë Łukasz" in pypdf.PdfReader(io.BytesIO(latin)).pages[0].extract_text()


def test_word_export_drops_control_characters() -> None:
    content = export("t", "# A\x1bB\n\nLine\x0c one\n", "docx", "Title\x1b", "x").content
    assert [p.text for p in docx.Document(io.BytesIO(content)).paragraphs] == ["AB", "Line one"]
