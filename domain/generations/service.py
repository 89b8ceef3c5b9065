"""Generating tailored documents for a job, and their history.

A resume is compiled by pure logic from the ranking (made on the spot when missing or stale): the top
experiences and projects, enhanced text where there is some, skills in order of the job's interest.
A cover letter is written by the LLM provider (through the truthfulness guard) from the same ranked
items, in the style of the active cover-letter sample. Both are stored with what they came from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import cpu
from domain.ai.llm import LetterRequest, LLMMetadata, LLMProvider, RankCandidate
from domain.ai.style import NEUTRAL_STYLE, WritingStyle
from domain.ats import AtsReport, letter_report, resume_report
from domain.errors import BadInput, NotFound
from domain.generations.results import AtsFeedback, ContentUsed, GenerationInputs, LetterOptions, ResumeOptions
from domain.generations.text import (
    ats_terms,
    item_bullets,
    item_text,
    latest_first,
    ordered_skills,
    paragraphs_markdown,
    person_name,
    prompt_terms,
    shaped_letter,
    single_line,
)
from domain.jobs import job_brief, keyword_weights
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.profiles import ProfileService, section_text
from domain.ranking.relevance import emphasised
from domain.ranking.service import RankingService, RankOutcome
from domain.resume_compiler import CompiledResume, Entry, ResumeContent, compile_resume, month_range
from domain.samples import SampleService
from domain.skills import Lexicon
from domain.validation import MAX_CUSTOM_PROMPT, clean_text, is_uuid
from storage.accounts import User
from storage.codec import encode
from storage.db import transaction
from storage.generations import Generation, GenerationRepository
from storage.jobs import Job
from storage.pagination import Keyset
from storage.profiles import Experience, Profile

DOCUMENT_TYPES = ("RESUME", "COVER_LETTER")
FORMATS = ("TEXT", "MARKDOWN")
MAX_COMPANY = 200
NO_LLM = LLMMetadata(provider="none", model="none")
NO_SUCH_GENERATION = "No such generation"


def _in_range(value: int, low: int, high: int, field: str) -> None:
    if not low <= value <= high:
        raise BadInput(f"{field} must be between {low} and {high}", field=field)


class GenerationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        profiles: ProfileService,
        samples: SampleService,
        ranking: RankingService,
        llm: LLMProvider,
        lexicon: Lexicon,
    ) -> None:
        self._sessions = sessions
        self._profiles = profiles
        self._samples = samples
        self._ranking = ranking
        self._llm = llm
        self._lexicon = lexicon

    async def generate_resume(self, user: User, job_id: str, options: ResumeOptions) -> Generation:
        """Pure logic over the ranking: no model call of its own."""
        _in_range(options.max_experiences, 1, 10, "max_experiences")
        _in_range(options.max_projects, 0, 5, "max_projects")
        if options.format not in FORMATS:
            raise BadInput(f"format must be one of {', '.join(FORMATS)}", field="format")
        prompt = clean_text(options.custom_prompt, "custom_prompt", max_length=MAX_CUSTOM_PROMPT)
        outcome = await self._ranking.for_generation(user, job_id)
        job, profile = outcome.job, outcome.profile
        weights = keyword_weights(job)
        boosted = emphasised(weights, prompt, self._lexicon)
        terms = prompt_terms(prompt, weights, boosted)
        experiences = self._chosen(outcome, "experience", options.max_experiences, terms)
        projects = self._chosen(outcome, "project", options.max_projects, terms)
        skills_rows, education, certifications = await self._profiles.sections(
            profile.id, ("skills", "education", "certifications")
        )
        names = [s.name for s in skills_rows] + [t for e in experiences for t in e.skills]
        skills = ordered_skills(names + [t for p in projects for t in p.technologies], boosted)
        summary = (profile.enhanced_summary or profile.summary) if options.include_summary else None
        content = ResumeContent(
            name=profile.full_name,
            headline=profile.headline,
            contact=[c for c in (profile.email, profile.phone, profile.location) if c]
            + [link["url"] for link in profile.links or []],
            summary=summary,
            skills=skills,
            experiences=[
                Entry(
                    e.title,
                    [e.company, *([e.location] if e.location else [])],
                    month_range(e.start_month, e.end_month),
                    item_bullets(e),
                )
                for e in sorted(experiences, key=latest_first)
            ],
            projects=[
                Entry(
                    p.name,
                    [],
                    month_range(p.start_month, p.end_month, open_ended=False),
                    item_bullets(p),
                    "; ".join(
                        part
                        for part in (
                            f"Technologies: {', '.join(p.technologies)}" if p.technologies else "",
                            p.url or "",
                        )
                        if part
                    )
                    or None,
                )
                for p in projects
            ],
            education=[
                Entry(
                    ", ".join(part for part in (e.degree, e.field_of_study) if part) or e.institution,
                    [e.institution] if (e.degree or e.field_of_study) else [],
                    month_range(e.start_month, e.end_month, open_ended=False),
                    [],
                    " · ".join(part for part in (f"GPA {e.gpa:g}" if e.gpa else "", e.honours or "") if part) or None,
                )
                for e in education
            ],
            certifications=[
                " — ".join(part for part in (c.name, c.issuer or "") if part)
                + (f" ({c.issued_month.strftime('%b %Y')})" if c.issued_month else "")
                for c in certifications
            ],
        )
        expected = ("contact", "experience", "skills", "education") + (("summary",) if options.include_summary else ())
        compiled, report = await cpu.run_sized(
            content.chars, compiled_resume, content, expected, ats_terms(job), weights, self._lexicon
        )
        warnings = self._resume_warnings(options, outcome, len(experiences), len(projects), summary, profile)
        content_used = ContentUsed(
            experience_ids=tuple(e.id for e in experiences),
            project_ids=tuple(p.id for p in projects),
            experiences_count=len(experiences),
            projects_count=len(projects),
            skills_count=len(skills),
            education_count=len(education),
            certifications_count=len(certifications),
            summary_included=bool(summary),
            summary_enhanced=bool(summary and profile.enhanced_summary),
            enhanced_items=sum(bool(i.enhanced_description) for i in [*experiences, *projects]),
            skills_highlighted=tuple(s for s in skills if s.lower() in {j.lower() for j in job.skills}),
            writing_style_applied=False,
            sample_id=None,
        )
        return await self._store(
            user,
            outcome,
            "RESUME",
            compiled,
            report,
            options=replace(options, custom_prompt=prompt),
            content_used=content_used,
            metadata=NO_LLM,
            warnings=warnings,
            prompt_terms=terms,
        )

    async def generate_cover_letter(self, user: User, job_id: str, options: LetterOptions) -> Generation:
        _in_range(options.max_paragraphs, 3, 6, "max_paragraphs")
        prompt = clean_text(options.custom_prompt, "custom_prompt", max_length=MAX_CUSTOM_PROMPT)
        company = single_line(options.company_name, "company_name", MAX_COMPANY)
        manager = person_name(options.hiring_manager_name, "hiring_manager_name")
        outcome = await self._ranking.for_generation(user, job_id)
        job, profile = outcome.job, outcome.profile
        sample = await self._samples.active(user, "COVER_LETTER")
        warnings: list[str] = []
        if sample is None:
            style = NEUTRAL_STYLE
            warnings.append("No active cover-letter sample: written in a neutral professional style.")
        else:
            style = WritingStyle(**sample.writing_style) if sample.writing_style else NEUTRAL_STYLE
        candidates = self._letter_candidates(outcome)
        if not profile.full_name:
            warnings.append("No full name in your profile: the letter is signed without one.")
        (skills_rows,) = await self._profiles.sections(profile.id, ("skills",))
        have = {s.name.lower() for s in skills_rows} | {term.lower() for c in candidates for term in c.matched}
        matched_skills = [skill for skill in job.skills if skill.lower() in have]
        brief = job_brief(job, company=company)
        request = LetterRequest(
            full_name=profile.full_name,
            job=brief,
            items=candidates,
            matched_skills=matched_skills,
            style=style,
            custom_prompt=prompt,
            hiring_manager=manager,
            max_paragraphs=options.max_paragraphs,
        )
        result = await self._llm.write_cover_letter(request)
        text = shaped_letter(result.text, f"Dear {manager or 'Hiring Manager'},", options.max_paragraphs)
        report = await cpu.run_sized(
            len(text),
            letter_report,
            text,
            skills=ats_terms(job),
            weights=brief.keywords,
            role=job.title,
            company=brief.company,
            lexicon=self._lexicon,
        )
        content_used = ContentUsed(
            experience_ids=tuple(c.id for c in candidates if c.kind == "experience"),
            project_ids=tuple(c.id for c in candidates if c.kind == "project"),
            experiences_count=sum(c.kind == "experience" for c in candidates),
            projects_count=sum(c.kind == "project" for c in candidates),
            skills_highlighted=tuple(s for s in report.matched_keywords if s in matched_skills),
            writing_style_applied=sample is not None,
            sample_id=sample.id if sample else None,
            summary_included=False,
            summary_enhanced=False,
            enhanced_items=sum(bool(outcome.items[c.id].enhanced_description) for c in candidates),
        )
        compiled = CompiledResume(text, paragraphs_markdown(text.strip()), [], set())
        return await self._store(
            user,
            outcome,
            "COVER_LETTER",
            compiled,
            report,
            options=replace(options, company_name=company, hiring_manager_name=manager, custom_prompt=prompt),
            content_used=content_used,
            metadata=result.metadata,
            warnings=warnings + result.warnings,
            sample_id=sample.id if sample else None,
            company=brief.company,
        )

    async def get(self, user: User, generation_id: str) -> Generation:
        async with self._sessions() as session:
            repo = GenerationRepository(session)
            return await owned_or_not_found(repo, user, generation_id, message=NO_SUCH_GENERATION)

    async def page(
        self, user: User, keys: Keyset, *, document_type: str | None, job_id: str | None
    ) -> Page[Generation]:
        if document_type is not None and document_type not in DOCUMENT_TYPES:
            raise BadInput(f"document_type must be one of {', '.join(DOCUMENT_TYPES)}", field="document_type")
        if job_id is not None and not is_uuid(job_id):
            return Page.empty()  # no generation can name it
        async with self._sessions() as session:
            rows, total = await GenerationRepository(session).page(
                user.id, keys, document_type=document_type, job_id=job_id
            )
        return page_of(rows, total, keys)

    async def delete(self, user: User, generation_id: str) -> str:
        async with transaction(self._sessions) as session:
            deleted = is_uuid(generation_id) and await GenerationRepository(session).delete(user.id, generation_id)
        if not deleted:
            raise NotFound(NO_SUCH_GENERATION, field="id")
        return generation_id

    @staticmethod
    def _chosen(outcome: RankOutcome, kind: str, limit: int, terms: list[str]) -> list[Any]:
        """The top `limit` items of a kind in ranking order; items showing more of what the person's prompt
        names come before those showing less."""
        ranked = [(i.id, i.score) for i in outcome.result.items if i.kind == kind and i.id in outcome.items]

        def named_first(entry: tuple[str, float]) -> tuple[int, float]:
            text = item_text(outcome.items[entry[0]])
            return (sum(term.lower() in text for term in terms), entry[1])

        chosen = sorted(ranked, key=named_first, reverse=True) if terms else ranked
        return [outcome.items[item_id] for item_id, _ in chosen[:limit]]

    @staticmethod
    def _letter_candidates(outcome: RankOutcome) -> list[RankCandidate]:
        """The top three experiences and the top project, best first, with the text the resume would use."""
        picked: list[RankCandidate] = []
        quota = {"experience": 3, "project": 1}
        for entry in outcome.result.items:
            item = outcome.items.get(entry.id)
            if item is None or quota.get(entry.kind, 0) == 0:
                continue
            title = f"{item.title} at {item.company}" if isinstance(item, Experience) else item.name
            text = item.enhanced_description or section_text(item)
            if not text.strip():
                continue  # nothing to say about it: it does not go into the letter
            quota[entry.kind] -= 1
            picked.append(RankCandidate(item.id, entry.kind, title, text, entry.score, entry.matched))
        return picked

    @staticmethod
    def _resume_warnings(
        options: ResumeOptions,
        outcome: RankOutcome,
        experiences: int,
        projects: int,
        summary: str | None,
        profile: Profile,
    ) -> list[str]:
        warnings = []
        if experiences < options.max_experiences:
            warnings.append(f"Your profile has {experiences} experience(s) to include; all of them are in.")
        if options.max_projects and projects < options.max_projects:
            warnings.append(f"Your profile has {projects} project(s) to include; all of them are in.")
        if options.include_summary and not summary:
            warnings.append("Your profile has no summary: add one to open the resume.")
        if not (profile.email or profile.phone):
            warnings.append("No email or phone in your profile: recruiters and ATS parsers look for one.")
        return warnings

    async def _store(
        self,
        user: User,
        outcome: RankOutcome,
        document_type: str,
        compiled: CompiledResume,
        report: AtsReport,
        *,
        options: ResumeOptions | LetterOptions,
        content_used: ContentUsed,
        metadata: LLMMetadata,
        warnings: list[str],
        prompt_terms: list[str] | None = None,
        sample_id: str | None = None,
        company: str | None = None,
    ) -> Generation:
        job: Job = outcome.job
        inputs = GenerationInputs(
            ranking_inputs_hash=outcome.ranking.inputs_hash,
            ranking_cached=outcome.cached,
            ranked_ids=tuple(i.id for i in outcome.result.items),
            job_content_hash=job.content_hash,
            profile_updated_at=outcome.profile.updated_at,
            prompt_terms=tuple(prompt_terms or ()),
            sample_id=sample_id,
            company=company,
        )
        generation = Generation(
            user_id=user.id,
            job_id=job.id,
            job_title=job.title,
            company=company or job.company,
            ranking_id=outcome.ranking.id,
            document_type=document_type,
            status="COMPLETED",
            content_text=compiled.text,
            content_markdown=compiled.markdown,
            options=encode(options),
            inputs=encode(inputs),
            content_used=encode(content_used),
            ats_score=report.score,
            ats_feedback=encode(AtsFeedback.from_report(report)),
            llm_metadata=encode(metadata),
            warnings=warnings,
        )
        async with transaction(self._sessions) as session:
            GenerationRepository(session).add(generation)
        return generation


def compiled_resume(
    content: ResumeContent,
    expected: tuple[str, ...],
    skills: list[str],
    weights: dict[str, float],
    lexicon: Lexicon,
) -> tuple[CompiledResume, AtsReport]:
    """The resume laid out and its ATS report (run in the CPU pool)."""
    compiled = compile_resume(content)
    report = resume_report(
        compiled.text,
        bullets=compiled.bullets,
        sections=compiled.sections,
        expected_sections=expected,
        skills=skills,
        weights=weights,
        lexicon=lexicon,
    )
    return compiled, report
