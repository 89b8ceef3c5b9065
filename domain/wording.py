"""Wording any writer of Tailor's text uses, model or not: a list joined in prose, the skills a job asks
for that a person does not show, a ranking's rationale and paragraphs fitted to a count."""

from __future__ import annotations

from domain.ai.llm import JobBrief, RankCandidate


def join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def missing_skills(job: JobBrief, have: set[str] | list[str]) -> list[str]:
    """The job's skills the person does not show, most important (highest keyword weight) first."""
    present = set(have)
    return sorted((s for s in job.skills if s not in present), key=lambda s: -job.keywords.get(s, 0.5))


def rank_rationale(candidates: list[RankCandidate], job: JobBrief) -> str:
    if not candidates:
        return "Your profile has no experiences or projects to rank yet."
    role = " at ".join(part for part in (job.title, job.company) if part) or "this job"
    best = candidates[0]
    matched = {term for c in candidates for term in c.matched}
    missing = missing_skills(job, matched)[:5]
    parts = [f"For {role}, {best.title} ranks first"]
    parts[0] += (
        f" because it shows {join(best.matched[:4])}." if best.matched else " on overall similarity to the posting."
    )
    if len(candidates) > 1 and candidates[1].matched:
        parts.append(f"Next comes {candidates[1].title} ({join(candidates[1].matched[:3])}).")
    if missing:
        parts.append(f"None of your items mention {join(missing)}, which the posting asks for.")
    return " ".join(parts)


def fit_paragraphs(paragraphs: list[str], limit: int) -> list[str]:
    """At most `limit` paragraphs: the ones past the limit join the last one kept."""
    kept = [p for p in paragraphs if p.strip()]
    if limit < 1 or len(kept) <= limit:
        return kept
    return kept[: limit - 1] + [" ".join(kept[limit - 1 :])]
