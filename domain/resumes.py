"""Resumes: uploads kept as original bytes (blob store, by content hash), extracted text and a parsed
structure (SQL). The same file from the same person is the same resume."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import cpu
from domain.documents.extract import DEFAULT_MAX_CHARS, extract_text, within_limit
from domain.documents.resume_parsing import ParsedResume, parse_resume
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.skills import Lexicon
from domain.validation import clean_text, is_uuid
from storage.accounts import User
from storage.analyses import ScoreCacheRepository
from storage.blobs import BlobStore, content_hash
from storage.codec import decode, encode
from storage.db import transaction
from storage.pagination import Keyset
from storage.resumes import Resume, ResumeRepository

NO_SUCH_RESUME = "No such resume"


def parsed_resume(resume: Resume) -> ParsedResume:
    """The structure parsed from the resume's text, as stored (rows of every version read)."""
    return decode(ParsedResume, resume.parsed or {})


@dataclass(frozen=True, slots=True)
class Uploaded:
    resume: Resume
    deduplicated: bool


class ResumeService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        blobs: BlobStore,
        lexicon: Lexicon,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self._sessions = sessions
        self._blobs = blobs
        self._lexicon = lexicon
        self._max_chars = max_chars  # text kept from an upload; past it the upload is refused

    async def upload(self, user: User, filename: str | None, content: bytes) -> Uploaded:
        digest = content_hash(content)
        async with self._sessions() as session:
            existing = await ResumeRepository(session).by_hash(user.id, digest)
        if existing is not None:
            return Uploaded(existing, deduplicated=True)
        # UNSUPPORTED_MEDIA_TYPE / UNPROCESSABLE_DOCUMENT; PAYLOAD_TOO_LARGE past the limit: nothing parsed or stored
        extracted = await extract_text(content, max_chars=self._max_chars)
        within_limit(extracted, max_chars=self._max_chars, what="resume")
        # RESUME_PARSING_FAILED
        parsed = await cpu.run_sized(len(extracted.text), parse_resume, extracted.text, self._lexicon)
        resume = Resume(
            user_id=user.id,
            content_hash=digest,
            filename=clean_text(filename, "file", max_length=255) or "resume",
            media_type=extracted.kind.value,
            file_size=len(content),
            text=extracted.text,
            parsed=encode(parsed),
            candidate_name=parsed.name,
        )
        await self._blobs.put(content)  # before the row: a row never points at a missing blob
        try:
            async with transaction(self._sessions) as session:
                ResumeRepository(session).add(resume)
        except IntegrityError:  # the same file uploaded twice at once: the other upload won
            async with self._sessions() as session:
                winner = await ResumeRepository(session).by_hash(user.id, digest)
            if winner is None:
                raise
            return Uploaded(winner, deduplicated=True)
        return Uploaded(resume, deduplicated=False)

    async def get(self, user: User, resume_id: str) -> Resume:
        async with self._sessions() as session:
            return await owned_or_not_found(ResumeRepository(session), user, resume_id, message=NO_SUCH_RESUME)

    async def many(self, user: User, resume_ids: list[str]) -> dict[str, Resume]:
        """The user's resumes among `resume_ids`, by id: one statement however many."""
        wanted = [i for i in dict.fromkeys(resume_ids) if is_uuid(i)]
        if not wanted:
            return {}
        async with self._sessions() as session:
            return {r.id: r for r in await ResumeRepository(session).find_owned_many(user.id, wanted)}

    async def original(self, user: User, resume_id: str) -> bytes:
        resume = await self.get(user, resume_id)
        return await self._blobs.get(resume.content_hash)

    async def page(self, user: User, keys: Keyset) -> Page[Resume]:
        async with self._sessions() as session:
            rows, total = await ResumeRepository(session).page(user.id, keys)
        return page_of(rows, total, keys)

    async def delete(self, user: User, resume_id: str) -> str:
        """Delete the row; the blob goes too unless another row (anyone's) still uses it."""
        async with transaction(self._sessions) as session:
            repo = ResumeRepository(session)
            resume = await owned_or_not_found(repo, user, resume_id, message=NO_SUCH_RESUME)
            await repo.delete(resume)  # its analyses go with it (foreign key); its cached score here
            await ScoreCacheRepository(session).forget(user.id, f"resume:{resume.id}")
            in_use = await repo.hash_in_use(resume.content_hash)
        if not in_use:
            await self._blobs.delete(resume.content_hash)
        return resume_id
