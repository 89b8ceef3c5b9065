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
import io
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.accounts import AccountService
from domain.errors import PreconditionFailed, RateLimited
from domain.indexing import COLLECTIONS, Notify, feedback_collection
from storage.accounts import User
from storage.analyses import Analysis, CachedScore
from storage.blobs import BlobStore
from storage.db import transaction
from storage.feedback import Feedback
from storage.generations import Generation
from storage.improvements import Improvement, ImprovementRun
from storage.insights import as_record, owned_rows
from storage.jobs import PUBLIC, Job
from storage.outbox import record_blob_drop, record_collection_drop, record_purge
from storage.profiles import Certification, Education, Experience, Profile, ProfileSkill, Project
from storage.ranking import Ranking
from storage.resumes import Resume
from storage.samples import Sample

EXPORT_LIFETIME = timedelta(minutes=10)
CHUNK = 64 * 1024
EXPORT_RETRY_SECONDS = 5  # when every export slot is taken
README = (
    "Everything Tailor holds about your account: one JSON file per kind of record, and the files you "
    "uploaded under uploads/. Times are UTC (ISO 8601).\n"
)
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


class Archive:
    """A built archive, open for reading from its temporary file (which has no name: it is gone when
    closed, or if the process dies). `chunks()` reads it a piece at a time; `close()` (idempotent, also
    at the end of `chunks()`) closes the file and frees the export slot."""

    def __init__(self, user: User, file: IO[bytes], size: int, release: Callable[[], None]) -> None:
        self.user = user
        self.size = size
        self._file = file
        self._release = release
        self._closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(self._file.read, CHUNK):
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._file.close()
            self._release()


class PersonalDataService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        accounts: AccountService,
        blobs: BlobStore,
        notify: Notify,
        *,
        spool_dir: Path | None = None,
        max_exports: int = 2,
    ) -> None:
        self._sessions = sessions
        self._accounts = accounts
        self._blobs = blobs
        self._notify = notify
        self._spool_dir = spool_dir  # where archives are written (None: the system's temporary folder)
        self._max_exports = max_exports  # archives being built or downloaded at once, in this process
        self._exports = 0

    def export_link(self, user: User) -> DataExport:
        issued = self._accounts.export_token(user, EXPORT_LIFETIME)
        return DataExport(issued.token, issued.expires_at)

    async def archive(self, token: str) -> Archive:
        """The archive of the account a download token names: a zip of one JSON file per kind of record
        and the original uploaded files, written to a temporary file on disk a piece at a time (one kind
        of record in memory at once; uploads copied from their blob files), ready to read from the start.

        RATE_LIMITED when `max_exports` archives are being built or downloaded (checked before the token
        is spent, so the link still works later)."""
        if self._exports >= self._max_exports:
            raise RateLimited(
                "Too many data exports are under way; try again shortly",
                retry_after=EXPORT_RETRY_SECONDS,
                limit="EXPORTS_IN_FLIGHT",
            )
        self._exports += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._exports -= 1

        file: IO[bytes] | None = None
        try:
            user = await self._accounts.user_for_export(token)
            file = await asyncio.to_thread(self._temporary_file)
            size = await self._write(user, file)
            return Archive(user, file, size, release)
        except BaseException:
            if file is not None:
                file.close()
            release()
            raise

    def _temporary_file(self) -> IO[bytes]:
        if self._spool_dir is not None:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryFile(dir=self._spool_dir)  # noqa: SIM115 - closed by Archive.close

    async def _write(self, user: User, file: IO[bytes]) -> int:
        """Every zip member is written in a worker thread; returns the archive's size, the file rewound."""
        archive = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED)
        try:
            account = as_record(user, leave_out=frozenset({"password_hash"}))
            await asyncio.to_thread(_write_json, archive, "account.json", account)
            uploads: list[tuple[str, str]] = []
            async with self._sessions() as session:
                for name, model in EXPORTED.items():
                    records = [as_record(row) for row in await owned_rows(session, model, user.id)]
                    session.expunge_all()  # the rows go once written: one kind in memory at a time
                    if name == "resumes.json":
                        uploads = [
                            (f"uploads/resumes/{r['id']}-{_safe(r['filename'])}", r["content_hash"]) for r in records
                        ]
                    await asyncio.to_thread(_write_json, archive, name, records)
                    del records
            for name, digest in uploads:
                await asyncio.to_thread(_write_file, archive, name, self._blobs.path(digest))
            await asyncio.to_thread(archive.writestr, "README.txt", README)
        except BaseException:
            with suppress(Exception):  # the file is thrown away; a member still being written refuses
                archive.close()
            raise
        await asyncio.to_thread(archive.close)
        size = file.tell()
        file.seek(0)
        return size

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


def _write_json(archive: zipfile.ZipFile, name: str, value: Any) -> None:
    """A JSON member encoded a piece at a time, straight into the (compressed) zip entry."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, default=str)
    with archive.open(name, "w") as entry, io.TextIOWrapper(entry, encoding="utf-8") as text:
        for piece in encoder.iterencode(value):
            text.write(piece)


def _write_file(archive: zipfile.ZipFile, name: str, path: Path) -> None:
    """An uploaded file copied from its blob in pieces; a blob gone missing is left out."""
    try:
        archive.write(path, name)
    except FileNotFoundError:
        pass
