"""Writing samples: uploaded resumes and cover letters whose style Tailor writes in. The newest
upload of a type becomes the active one (the previous is deactivated in the same transaction)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ai.llm import LLMProvider
from domain.documents.extract import DEFAULT_MAX_CHARS, extract_text, within_limit
from domain.errors import BadInput
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.validation import clean_text
from storage.accounts import User
from storage.db import transaction
from storage.pagination import Keyset
from storage.samples import Sample, SampleRepository

DOCUMENT_TYPES = ("RESUME", "COVER_LETTER")
NO_SUCH_SAMPLE = "No such sample"


class SampleService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], llm: LLMProvider, *, max_chars: int = DEFAULT_MAX_CHARS
    ) -> None:
        self._sessions = sessions
        self._llm = llm
        self._max_chars = max_chars  # text kept from an upload; past it the upload is refused

    async def upload(self, user: User, document_type: str, filename: str | None, content: bytes) -> Sample:
        if document_type not in DOCUMENT_TYPES:
            raise BadInput(f"document_type must be one of {', '.join(DOCUMENT_TYPES)}", field="document_type")
        name = clean_text(filename, "file", max_length=255) or "sample"
        # UNSUPPORTED_MEDIA_TYPE / UNPROCESSABLE_DOCUMENT; PAYLOAD_TOO_LARGE past the limit: nothing measured or stored
        extracted = await extract_text(content, max_chars=self._max_chars)
        within_limit(extracted, max_chars=self._max_chars, what="writing sample")
        style = await self._llm.extract_style(extracted.text)  # before the transaction: no lock held on a call
        sample = Sample(
            user_id=user.id,
            document_type=document_type,
            filename=name,
            media_type=extracted.kind.value,
            full_text=extracted.text,
            word_count=len(extracted.text.split()),
            character_count=len(extracted.text),
            writing_style=style.style.as_dict(),
            style_metadata=asdict(style.metadata),
            warnings=extracted.warnings,
        )
        async with transaction(self._sessions) as session:
            return await SampleRepository(session).add_active(sample)

    async def refresh_style(self, user: User, sample_id: str) -> Sample:
        sample = await self.get(user, sample_id)
        style = await self._llm.extract_style(sample.full_text)
        async with transaction(self._sessions) as session:
            current = await owned_or_not_found(SampleRepository(session), user, sample_id, message=NO_SUCH_SAMPLE)
            current.writing_style = style.style.as_dict()
            current.style_metadata = asdict(style.metadata)
            return current

    async def get(self, user: User, sample_id: str) -> Sample:
        async with self._sessions() as session:
            return await owned_or_not_found(SampleRepository(session), user, sample_id, message=NO_SUCH_SAMPLE)

    async def active(self, user: User, document_type: str) -> Sample | None:
        async with self._sessions() as session:
            return await SampleRepository(session).active(user.id, document_type)

    async def page(
        self, user: User, keys: Keyset, *, document_type: str | None, is_active: bool | None
    ) -> Page[Sample]:
        async with self._sessions() as session:
            rows, total = await SampleRepository(session).page(
                user.id, keys, document_type=document_type, is_active=is_active
            )
        return page_of(rows, total, keys)

    async def delete(self, user: User, sample_id: str) -> str:
        async with transaction(self._sessions) as session:
            repo = SampleRepository(session)
            await repo.delete(await owned_or_not_found(repo, user, sample_id, message=NO_SUCH_SAMPLE))
        return sample_id
