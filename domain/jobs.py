"""Jobs: saved postings parsed from raw text, private to their owner or on the public board.

Fields the person gives explicitly (title, company, location) win over parsed ones, and keep
winning when the raw text is edited later. PUBLIC jobs are readable by everyone and writable by
ADMIN users only. Deleting a job deletes what was derived from it (rankings, generations, analyses).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import cpu
from domain.ai.llm import JobBrief
from domain.errors import BadInput, DomainError, PreconditionFailed, UnprocessableDocument
from domain.indexing import Notify, record_job, record_job_deleted
from domain.job_parsing import ParsedJob, parse_job
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.skills import Lexicon
from domain.validation import clean_text, clean_url, is_uuid
from storage.accounts import User
from storage.db import transaction
from storage.jobs import PRIVATE, PUBLIC, Job, JobRepository
from storage.pagination import Keyset

MAX_RAW_TEXT = 50_000  # the default for a posting's text (TAILOR_MAX_JOB_CHARS); past it: BAD_USER_INPUT
MAX_SHORT_TEXT = 200
MAX_SEARCH = 100
MAX_IMPORT_LINES = 1000
IMPORT_CHUNK = 25  # postings parsed per CPU worker call
OVERRIDABLE = ("title", "company", "location")
NO_SUCH_JOB = "No such job"


@dataclass(frozen=True, slots=True)
class JobInput:
    """What a person may set; `None` means "leave as parsed / unchanged"."""

    raw_text: str | None = None
    title: str | None = None
    company: str | None = None
    location: str | None = None
    url: str | None = None
    visibility: str | None = None
    clear: frozenset[str] = frozenset()  # on update: fields to reset (overrides fall back to the parsed value)


@dataclass(frozen=True, slots=True)
class LineError:
    """A line of an import that was skipped, and the error that says why (its API words: graph/errors.py)."""

    line: int
    error: DomainError


@dataclass(frozen=True, slots=True)
class ImportResult:
    jobs: list[Job]
    errors: list[LineError]


def keyword_weights(job: Job) -> dict[str, float]:
    """The job's keywords as term → weight 0..1."""
    return {k["term"]: float(k["weight"]) for k in job.keywords}


def job_brief(job: Job, *, company: str | None = None, weights: dict[str, float] | None = None) -> JobBrief:
    """What the LLM providers are told about a job."""
    return JobBrief(
        job.title, company or job.company, list(job.skills), weights or keyword_weights(job), job.requirements
    )


def content_hash(raw_text: str) -> str:
    return hashlib.sha256(" ".join(raw_text.split()).lower().encode()).hexdigest()


class JobService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        lexicon: Lexicon,
        notify: Notify | None = None,
        *,
        max_chars: int = MAX_RAW_TEXT,
    ) -> None:
        self._sessions = sessions
        self._lexicon = lexicon
        self._notify = notify or (lambda: None)  # wakes the index worker after a commit
        self._max_chars = max_chars  # a posting's text: pasted, imported or edited

    async def create(self, user: User, data: JobInput) -> Job:
        raw_text = clean_text(data.raw_text, "raw_text", max_length=self._max_chars, required=True)
        assert raw_text is not None
        visibility = self._visibility(user, data.visibility)
        overrides = self._overrides(data)
        url = clean_url(data.url, "url")
        job = Job(user_id=user.id, visibility=visibility, url=url, overrides=overrides)
        self._apply_text(job, raw_text, await cpu.run_sized(len(raw_text), parse_job, raw_text, self._lexicon))
        async with transaction(self._sessions) as session:
            JobRepository(session).add(job)
            await session.flush()
            record_job(session, job)
        self._notify()
        return job

    async def import_public(self, user: User, content: bytes) -> ImportResult:
        """Bulk-load PUBLIC postings from JSON Lines (one `{"rawText": ..., "title": ...}` per line).
        Bad lines are reported by number and skipped; the good ones are saved together."""
        if user.role != "ADMIN":
            raise PreconditionFailed("Only administrators can import jobs to the public board")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnprocessableDocument("The file is not UTF-8 text", field="file") from exc
        lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if not lines:
            raise BadInput("The file has no postings", field="file")
        if len(lines) > MAX_IMPORT_LINES:
            raise BadInput(f"A file may hold at most {MAX_IMPORT_LINES} postings", field="file")
        jobs: list[Job] = []
        errors: list[LineError] = []
        for start in range(0, len(lines), IMPORT_CHUNK):  # a chunk per worker call: other requests get turns
            chunk = lines[start : start + IMPORT_CHUNK]
            read = await cpu.run(_read_lines, [line for _, line in chunk], self._max_chars, self._lexicon)
            for (number, _), outcome in zip(chunk, read, strict=True):
                try:
                    if isinstance(outcome, DomainError):
                        raise outcome
                    jobs.append(self._job_from_line(user, *outcome))
                except DomainError as exc:
                    errors.append(LineError(number, exc))
        if jobs:
            async with transaction(self._sessions) as session:
                repo = JobRepository(session)
                for job in jobs:
                    repo.add(job)
                await session.flush()
                for job in jobs:
                    record_job(session, job)
            self._notify()
        return ImportResult(jobs=jobs, errors=errors)

    def _job_from_line(self, user: User, data: JobInput, parsed: ParsedJob) -> Job:
        job = Job(user_id=user.id, visibility=PUBLIC, url=clean_url(data.url, "url"), overrides=self._overrides(data))
        assert data.raw_text is not None
        self._apply_text(job, data.raw_text, parsed)
        return job

    async def update(self, user: User, job_id: str, data: JobInput) -> Job:
        raw_text = clean_text(data.raw_text, "raw_text", max_length=self._max_chars)
        overrides = self._overrides(data)
        url = clean_url(data.url, "url")
        async with transaction(self._sessions) as session:
            job = await self._writable(JobRepository(session), user, job_id)
            if data.visibility is not None:
                job.visibility = self._visibility(user, data.visibility)
            kept = {name: value for name, value in job.overrides.items() if name not in data.clear}
            if overrides or kept != job.overrides:
                job.overrides = {**kept, **overrides}
            if url is not None or "url" in data.clear:
                job.url = url
            text = raw_text or job.raw_text
            self._apply_text(job, text, await cpu.run_sized(len(text), parse_job, text, self._lexicon))
            record_job(session, job)
        self._notify()
        return job

    async def delete(self, user: User, job_id: str) -> str:
        async with transaction(self._sessions) as session:
            repo = JobRepository(session)
            job = await self._writable(repo, user, job_id)
            await repo.delete(job)
            record_job_deleted(session, job.id)
        self._notify()
        return job_id

    async def get(self, user: User, job_id: str) -> Job:
        """A job the user may read: their own or one on the public board."""
        async with self._sessions() as session:
            return await owned_or_not_found(JobRepository(session).readable, user, job_id, message=NO_SUCH_JOB)

    async def many(self, user: User, job_ids: list[str]) -> dict[str, Job]:
        """The jobs among `job_ids` the user may read, by id: one statement however many."""
        wanted = [job_id for job_id in dict.fromkeys(job_ids) if is_uuid(job_id)]
        if not wanted:
            return {}
        async with self._sessions() as session:
            return {job.id: job for job in await JobRepository(session).readable_many(user.id, wanted)}

    async def newest_visible(self, user: User, limit: int) -> list[Job]:
        """The newest jobs the user may read (theirs and the public board), in one statement."""
        async with self._sessions() as session:
            return await JobRepository(session).newest_readable(user.id, limit)

    async def page(self, user: User, keys: Keyset, *, search: str | None, visibility: str | None) -> Page[Job]:
        text = clean_text(search, "search", max_length=MAX_SEARCH)
        async with self._sessions() as session:
            rows, total = await JobRepository(session).page(user.id, keys, search=text, visibility=visibility)
        return page_of(rows, total, keys)

    def _apply_text(self, job: Job, raw_text: str, parsed: ParsedJob) -> None:
        """The parsed posting (JOB_PARSING_FAILED when nothing in it is a job, raised by `parse_job` in
        the CPU pool) with explicit fields laid on top."""
        job.raw_text = raw_text
        job.content_hash = content_hash(raw_text)
        job.title = job.overrides.get("title", parsed.title)
        job.company = job.overrides.get("company", parsed.company)
        job.location = job.overrides.get("location", parsed.location)
        for name in ("title", "company", "location"):
            value = getattr(job, name)
            if value is not None and len(value) > MAX_SHORT_TEXT:
                setattr(job, name, value[:MAX_SHORT_TEXT].rstrip())
        job.search_text = f"{job.title or ''} {job.company or ''}".casefold()
        job.level = parsed.level.value if parsed.level else None
        job.years_required = parsed.years_required
        job.requirements = parsed.requirements
        job.nice_to_haves = parsed.nice_to_haves
        job.responsibilities = parsed.responsibilities
        job.skills = parsed.skills
        job.keywords = [{"term": k.term, "weight": k.weight} for k in parsed.keywords]

    @staticmethod
    def _overrides(data: JobInput) -> dict[str, str]:
        values = {name: clean_text(getattr(data, name), name, max_length=MAX_SHORT_TEXT) for name in OVERRIDABLE}
        return {name: value for name, value in values.items() if value is not None}

    @staticmethod
    def _visibility(user: User, requested: str | None) -> str:
        visibility = requested or PRIVATE
        if visibility not in (PRIVATE, PUBLIC):
            raise BadInput("visibility must be PRIVATE or PUBLIC", field="visibility")
        if visibility == PUBLIC and user.role != "ADMIN":
            raise BadInput("Only administrators can publish jobs to the public board", field="visibility")
        return visibility

    @staticmethod
    async def _writable(repo: JobRepository, user: User, job_id: str) -> Job:
        """The caller's own private job, or a public one when the caller is an admin now (an admin
        who published a job and lost the role no longer writes it); else NOT_FOUND."""

        async def writable(user_id: str, row_id: str) -> Job | None:
            job = await repo.find_owned(user_id, row_id)
            if job is None and user.role == "ADMIN":
                job = await repo.public(row_id)
            return None if job is None or (job.visibility == PUBLIC and user.role != "ADMIN") else job

        return await owned_or_not_found(writable, user, job_id, message=NO_SUCH_JOB)


def _read_lines(lines: list[str], max_chars: int, lexicon: Lexicon) -> list[tuple[JobInput, ParsedJob] | DomainError]:
    """`importJobs` lines, read and parsed in a CPU worker: each a posting or the error that line gets."""
    read: list[tuple[JobInput, ParsedJob] | DomainError] = []
    for line in lines:
        try:
            data = _line_input(line, max_chars)
            assert data.raw_text is not None
            read.append((data, parse_job(data.raw_text, lexicon)))
        except DomainError as exc:
            read.append(exc)
    return read


def _line_input(line: str, max_chars: int) -> JobInput:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadInput(f"Not valid JSON: {exc.msg}") from exc
    if not isinstance(record, dict):
        raise BadInput("Each line must be a JSON object with a rawText")
    known = {"rawText", "title", "company", "location", "url"}
    if unknown := sorted(set(record) - known):
        raise BadInput(f"Unknown fields: {', '.join(unknown)}")
    if not all(isinstance(value, str | None) for value in record.values()):
        raise BadInput("Every field must be a string")
    raw_text = clean_text(record.get("rawText"), "raw_text", max_length=max_chars, required=True)
    return JobInput(
        raw_text=raw_text,
        title=record.get("title"),
        company=record.get("company"),
        location=record.get("location"),
        url=record.get("url"),
    )
