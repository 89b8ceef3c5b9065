"""The local provider's longer answers, computed from the person's own text and the job's terms:
rank rationales, cover letters, resume analysis, improvement suggestions and section rewrites."""

from __future__ import annotations

import re

from domain.ai.enhance import PAST, enhance_text
from domain.ai.llm import JobBrief, LetterRequest, RankCandidate, Suggestion
from domain.skills import Lexicon
from domain.wording import fit_paragraphs, join, missing_skills

WEAK_OPENERS = re.compile(
    r"^\s*(?:[-*•]\s*)?(responsible for|worked on|helped|assisted|was involved|duties included)\b", re.I
)
# Heading lines: blanks around the words are spaces and tabs, never line breaks (`^\s*` under re.M
# ran from every line start through every blank line after it: quadratic on a run of newlines).
HEADINGS = {
    "summary": re.compile(r"^[^\S\n]*+(summary|profile|about me|objective)[^\S\n]*+:?[^\S\n]*+$", re.I | re.M),
    "skills": re.compile(r"^[^\S\n]*+(skills|technical skills|core skills)[^\S\n]*+:?[^\S\n]*+$", re.I | re.M),
    "education": re.compile(r"^[^\S\n]*+(education|academic background)[^\S\n]*+:?[^\S\n]*+$", re.I | re.M),
}
_SENTENCE_OR_LINE = re.compile(r"(?<=[.!?])\s++|\n")
_TERM = re.compile(r"[a-z][a-z+#.-]{3,}+")
_BULLET_START = re.compile(r"^\s*+[-*•]")
_DIGIT = re.compile(r"\d")
PRIORITY_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}


def lead_sentences(text: str, limit: int) -> list[str]:
    parts = (part.strip().lstrip("-*• ").rstrip(".") for part in _SENTENCE_OR_LINE.split(text.strip()))
    return [part for part in parts if part][:limit]


def _item_paragraph(candidate: RankCandidate, sentences: int) -> str:
    """An item's first sentences, tightened and in the first person: "As <role>, I built ..."."""
    clauses = []
    for i, raw in enumerate(lead_sentences(candidate.text, sentences)):
        sentence = enhance_text(raw, finished=True).text.rstrip(".")
        if not sentence:
            continue
        led = sentence.split(" ", 1)[0].lower() in PAST.values()
        lowered = sentence[0].lower() + sentence[1:]
        if i > 0:
            clauses.append(f"I also {lowered}." if led else f"{sentence}.")
        elif candidate.kind == "project":
            clauses.append(
                f"In my project {candidate.title}, I {lowered}."
                if led
                else f"My project {candidate.title}: {sentence}."
            )
        else:
            clauses.append(
                f"As {candidate.title}, I {lowered}." if led else f"In my role as {candidate.title}: {sentence}."
            )
    return " ".join(clauses)


def cover_letter(request: LetterRequest) -> str:
    """Greeting, opening, a paragraph per top item, the skills they share with the job, a close and a
    sign-off, in the person's measured register. Every clause is their data or the job's own words."""
    style, job = request.style, request.job
    formal = style.formality >= 0.55
    role = f"the {job.title} role" if job.title else "this role"
    at = f" at {job.company}" if job.company else ""
    opening = f"I am writing to apply for {role}{at}." if formal else f"I'd like to apply for {role}{at}."
    roles = [c.title for c in request.items if c.kind == "experience"][:2]
    if roles:
        opening += f" My experience as {join(roles)} matches what you are looking for."
    body = [_item_paragraph(candidate, 2 if index < 2 else 1) for index, candidate in enumerate(request.items[:3])]
    prompt = (request.custom_prompt or "").lower()
    skills = sorted(request.matched_skills, key=lambda skill: skill.lower() not in prompt)  # named ones first
    if skills:
        body.append(f"The role asks for {join(skills[:6])}, and I have worked with each of them.")
    closing = (
        "I would welcome the opportunity to discuss how my experience fits your team."
        if formal
        else "I'd love to talk about how I can help your team."
    )
    sign_off = "Sincerely" if formal else "Best regards"
    name = request.full_name or ""
    greeting = f"Dear {request.hiring_manager or 'Hiring Manager'},"
    middle = [opening, *fit_paragraphs(body, max(1, request.max_paragraphs - 2)), closing]
    return "\n\n".join([greeting, *middle, f"{sign_off},\n{name}".rstrip()])


def analysis(resume_text: str, job: JobBrief, lexicon: Lexicon) -> tuple[list[str], list[str], dict[str, float], str]:
    have = set(lexicon.skills_in(resume_text))
    matched = [skill for skill in job.skills if skill in have]
    missing = missing_skills(job, have)
    skills = 100.0 * len(matched) / len(job.skills) if job.skills else 0.0
    total_weight = sum(job.keywords.values())
    lowered = resume_text.lower()
    keywords = (
        100.0 * sum(w for term, w in job.keywords.items() if term.lower() in lowered or term in have) / total_weight
        if total_weight
        else 0.0
    )
    met = [r for r in job.requirements if set(lexicon.skills_in(r)) & have or _overlap(r, lowered) >= 0.5]
    requirements = 100.0 * len(met) / len(job.requirements) if job.requirements else skills
    overall = 0.5 * skills + 0.3 * keywords + 0.2 * requirements
    breakdown = {
        k: round(v, 1)
        for k, v in {"skills": skills, "keywords": keywords, "requirements": requirements, "overall": overall}.items()
    }
    verdict = "a strong" if overall >= 75 else "a fair" if overall >= 50 else "a weak"
    assessment = (
        f"{verdict.capitalize()} match: the resume shows {len(matched)} of the {len(job.skills)} skills the posting "
        f"names and meets {len(met)} of {len(job.requirements)} stated requirements."
    )
    if missing:
        assessment += f" Most important gaps: {join(missing[:3])}."
    return matched, missing, breakdown, assessment


def _overlap(requirement: str, resume_lower: str) -> float:
    words = [w for w in _TERM.findall(requirement.lower()) if w not in {"with", "experience", "years"}]
    return sum(w in resume_lower for w in words) / len(words) if words else 0.0


def suggestions(resume_text: str, job: JobBrief, lexicon: Lexicon) -> list[Suggestion]:
    found: list[Suggestion] = []
    matched, missing, _, _ = analysis(resume_text, job, lexicon)  # once: it scans the whole resume
    for skill in missing[:3]:
        weight = job.keywords.get(skill, 0.5)
        found.append(
            Suggestion(
                text=f"If you have used {skill}, name it in the role where you used it and in your skills.",
                reasoning=f"The posting asks for {skill} (weight {weight:.2f}) and your resume never mentions it.",
                priority="HIGH" if weight >= 0.8 else "MEDIUM",
                expected_impact="Raises keyword and skills match for ATS filters and reviewers.",
                section="skills",
            )
        )
    bullets = [line.strip().lstrip("-*• ") for line in resume_text.splitlines() if _BULLET_START.match(line)]
    unquantified = [b for b in bullets if not _DIGIT.search(b)]
    if unquantified:
        found.append(
            Suggestion(
                text=f'Quantify the result of: "{unquantified[0][:80]}" (how much, how many, how fast).',
                reasoning=f"{len(unquantified)} of {len(bullets)} bullets state no number; numbers show impact.",
                priority="MEDIUM",
                expected_impact="Makes achievements concrete and comparable.",
                section="experience",
            )
        )
    weak = [line.strip() for line in resume_text.splitlines() if WEAK_OPENERS.match(line)]
    if weak:
        found.append(
            Suggestion(
                text=f'Lead with what you did instead of "{weak[0][:60]}".',
                reasoning="Phrases like 'responsible for' or 'worked on' describe duties, not results.",
                priority="MEDIUM",
                expected_impact="Stronger, scannable bullets.",
                section="experience",
            )
        )
    for section, pattern in HEADINGS.items():
        if not pattern.search(resume_text):
            found.append(
                Suggestion(
                    text=f"Add a {section} section.",
                    reasoning=f"Reviewers and ATS parsers look for a {section} heading and found none.",
                    priority="MEDIUM" if section != "education" else "LOW",
                    expected_impact="Easier to parse and to scan.",
                    section=section,
                )
            )
    words = len(resume_text.split())
    if words < 250:
        found.append(
            Suggestion(
                text="Expand the resume with the results of your main roles.",
                reasoning=f"It has only {words} words.",
                priority="MEDIUM",
                expected_impact="More evidence for the match.",
                section="experience",
            )
        )
    elif words > 900:
        found.append(
            Suggestion(
                text="Trim to the roles and results that matter for this job.",
                reasoning=f"It runs to {words} words.",
                priority="LOW",
                expected_impact="Keeps reviewers on what matters.",
                section="experience",
            )
        )
    if job.title and job.title.lower() not in resume_text.lower():
        found.append(
            Suggestion(
                text=f"Name the target role ('{job.title}') in your summary, if it describes you.",
                reasoning="Reviewers look for the role's title near the top.",
                priority="LOW",
                expected_impact="Clearer fit at first glance.",
                section="summary",
            )
        )
    lowered = resume_text.lower()
    have = set(lexicon.skills_in(resume_text))
    unmet = [r for r in job.requirements if not (set(lexicon.skills_in(r)) & have) and _overlap(r, lowered) < 0.5]
    for requirement in unmet[:2]:
        found.append(
            Suggestion(
                text=f'Show evidence for the requirement "{requirement[:90]}" if your experience meets it.',
                reasoning="Nothing in the resume speaks to this stated requirement.",
                priority="HIGH",
                expected_impact="Answers a screening question before it is asked.",
                section="experience",
            )
        )
    if matched:
        found.append(
            Suggestion(
                text=f"List {join(matched[:4])} first in your skills.",
                reasoning="They are the posting's skills you already have.",
                priority="LOW",
                expected_impact="The strongest overlap is seen first.",
                section="skills",
            )
        )
    found.sort(key=lambda s: PRIORITY_ORDER[s.priority])
    return found[:7]


BULLET = re.compile(r"^\s*+[-*•]\s+")
DATED = re.compile(r"\b(?:19|20)\d\d\b")
ONGOING = re.compile(r"\b(?:present|current|now|today)\b", re.I)


def rewrite(section: str, text: str, job: JobBrief, lexicon: Lexicon) -> tuple[str, list[str]]:
    """Each bullet (or, in a section without bullets, each line) reworded by the enhancement rules; role
    headers, dates and blank lines stay as written. Bullets under a dated role that ended go to the past
    tense; those under an ongoing role keep theirs."""
    lines = text.splitlines()
    bulleted = any(BULLET.match(line) for line in lines)
    finished = section == "experience"
    rewritten = []
    for line in lines:
        if not line.strip() or (bulleted and not BULLET.match(line)):
            if section == "experience" and DATED.search(line):
                finished = not ONGOING.search(line)
            rewritten.append(line.rstrip())
            continue
        rewritten.append(enhance_text(line, finished=finished).text)
    have = set(lexicon.skills_in(text))
    notes = [
        f"The job asks for {skill}; it is not in this section, so it was not added. Add it only if you have used it."
        for skill in missing_skills(job, have)[:5]
    ]
    return "\n".join(rewritten), notes
