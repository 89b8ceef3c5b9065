"""The person's control over their data: a download of everything Tailor holds about them, and
deleting the account with everything of theirs.

Deletion is one SQL transaction — the user row goes and every row of theirs with it (foreign keys
cascade) — that also records, in the index outbox, the work outside SQL: purge their vectors from every
collection and drop their uploaded files (a file stays while anyone else's resume is the same file).
The outbox is drained in the background and again at every start, so a deletion interrupted after the
commit completes on the next start.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import AccountService
from domain.errors import PreconditionFailed
from domain.indexing import COLLECTIONS, Notify, feedback_collection
from storage.accounts import User
from storage.analyses import Analysis, CachedScore
from storage.blobs import BlobStore
from storage.db import transaction
from storage.feedback import Feedback
from storage.generations import Generation
from storage.improvements import Improvement, ImprovementRun
from storage.inventory import as_record, owned_rows
from storage.jobs import PUBLIC, Job
from storage.outbox import record_blob_drop, record_collection_drop, record_purge
from storage.profiles import Certification, Education, Experience, Profile, ProfileSkill, Project
from storage.rankings import Ranking
from storage.resumes import Resume
from storage.samples import Sample

EXPORT_LIFETIME = timedelta(minutes=10)
CHUNK = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # a larger archive spills to a temporary file
# What goes in the archive: file name → table. Caches of derived numbers (scores) go too: they are theirs.
EXPORTED: dict[str, Any] = {
    "profile.json": Profile,
    "experiences.json": Experience,
    "projects.json": Project,
    "skills.json": ProfileSkill,
    "education.json": Education,
    "certifications.json": Certification,
    "jobs.json": Job,
    "samples.json": Sample,
    "resumes.json": Resume,
    "rankings.json": Ranking,
    "generations.json": Generation,
    "analyses.json": Analysis,
    "scores.json": CachedScore,
    "improvements.json": Improvement,
    "improvement_runs.json": ImprovementRun,
    "feedback.json": Feedback,
}


@dataclass(frozen=True, slots=True)
class DataExport:
    token: str
    expires_at: datetime


class PersonalDataService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], accounts: AccountService, blobs: BlobStore, notify: Notify
    ) -> None:
        self._sessions = sessions
        self._accounts = accounts
        self._blobs = blobs
        self._notify = notify

    def export_link(self, user: User) -> DataExport:
        issued = self._accounts.export_token(user, EXPORT_LIFETIME)
        return DataExport(issued.token, issued.expires_at)

    async def archive(self, token: str) -> tuple[User, AsyncIterator[bytes]]:
        """The account a download token names, and its archive as chunks: a zip of one JSON file per
        kind of record and the original uploaded files."""
        user = await self._accounts.user_for_export(token)
        files: dict[str, list[dict[str, Any]]] = {}
        async with self._sessions() as session:
            for name, model in EXPORTED.items():
                files[name] = [as_record(row) for row in await owned_rows(session, model, user.id)]
        account = as_record(user, leave_out=frozenset({"password_hash"}))
        uploads = {}
        for resume in files["resumes.json"]:
            name = f"uploads/resumes/{resume['id']}-{_safe(resume['filename'])}"
            if self._blobs.exists(resume["content_hash"]):
                uploads[name] = await self._blobs.get(resume["content_hash"])
        spool = await asyncio.to_thread(_zip, account, files, uploads)
        return user, _chunks(spool)

    async def delete_account(self, user: User, password: str, client: str) -> None:
        await self._accounts.confirm_password(user, password, client)
        async with transaction(self._sessions) as session:
            posted = [job for job in await owned_rows(session, Job, user.id) if job.visibility == PUBLIC]
            if posted:  # deleting them would delete everyone's rankings, analyses and improvements on them
                raise PreconditionFailed(
                    f"You posted {len(posted)} job(s) on the public board: delete them, or make them private, "
                    "before deleting your account"
                )
            digests = {resume.content_hash for resume in await owned_rows(session, Resume, user.id)}
            for collection in COLLECTIONS:
                record_purge(session, collection, user.id)
            record_collection_drop(session, feedback_collection(user.id), user.id)
            for digest in sorted(digests):
                record_blob_drop(session, digest)
            await session.execute(delete(User).where(User.id == user.id))  # every row of theirs cascades
        await self._accounts.stamps.changed(user.id, None)  # sockets here see it at once; elsewhere within a second
        self._notify()


def _safe(filename: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:100]
    return cleaned or "resume"


def _zip(account: dict[str, Any], files: dict[str, list[dict[str, Any]]], uploads: dict[str, bytes]) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by _chunks
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.json", json.dumps(account, indent=2, ensure_ascii=False))
        for name, records in files.items():
            archive.writestr(name, json.dumps(records, indent=2, ensure_ascii=False, default=str))
        for name, content in uploads.items():
            archive.writestr(name, content)
        archive.writestr(
            "README.txt",
            "Everything Tailor holds about your account: one JSON file per kind of record, and the files you "
            "uploaded under uploads/. Times are UTC (ISO 8601).\n",
        )
    spool.seek(0)
    return spool


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(spool.read, CHUNK):
            yield chunk
    finally:
        spool.close()
