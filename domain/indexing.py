"""Keeping the vector index in step with SQL: what each row looks like as a document, the outbox
tasks a write records, the drain that applies them, and a full rebuild from SQL (`tailor reindex`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ai.embeddings import Embedder
from storage.blobs import BlobStore
from storage.db import transaction
from storage.feedback import Feedback
from storage.jobs import PUBLIC, Job
from storage.outbox import DROP, DROP_BLOB, PURGE, UPSERT, OutboxRepository, record_delete, record_upsert
from storage.profiles import Experience, Project
from storage.resumes import ResumeRepository
from storage.vectors import VectorIndex

log = logging.getLogger("tailor.indexing")
BATCH = 64
IDLE_SECONDS = 5.0
PROFILE_KINDS: dict[type, str] = {Experience: "experience", Project: "project"}
COLLECTIONS = ("jobs_public", "jobs_private", "profile_items")  # shared by everyone, scoped by metadata


def feedback_collection(user_id: str) -> str:
    """Each person's feedback has a collection of its own: searched without a filter."""
    return f"feedback-{user_id}"


def job_collection(job: Job) -> str:
    return "jobs_public" if job.visibility == PUBLIC else "jobs_private"


def job_document(job: Job) -> str:
    parts = [job.title, job.company, ", ".join(job.skills), *job.requirements, *job.responsibilities]
    return ". ".join(part for part in parts if part)


def item_document(item: Experience | Project) -> str:
    if isinstance(item, Experience):
        parts = [f"{item.title} at {item.company}", item.description, *item.highlights, ", ".join(item.skills)]
    else:
        parts = [item.name, item.description, ", ".join(item.technologies)]
    return ". ".join(part for part in parts if part)


def record_job(session: AsyncSession, job: Job) -> None:
    """Index the job where its visibility puts it, and take it out of the other collection."""
    other = "jobs_private" if job.visibility == PUBLIC else "jobs_public"
    record_delete(session, other, job.id)
    meta = {"user_id": job.user_id, "kind": "job", "item_id": job.id, "visibility": job.visibility}
    record_upsert(session, job_collection(job), job.id, job_document(job), meta)


def record_job_deleted(session: AsyncSession, job_id: str) -> None:
    record_delete(session, "jobs_public", job_id)
    record_delete(session, "jobs_private", job_id)


def record_item(session: AsyncSession, item: Experience | Project) -> None:
    kind = PROFILE_KINDS[type(item)]
    meta = {"user_id": item.user_id, "kind": kind, "item_id": item.id}
    record_upsert(session, "profile_items", item.id, item_document(item), meta)


def feedback_document(comment: str | None, response: str | None) -> str:
    return "\n\n".join(part for part in (comment, response) if part) or "(no comment)"


def record_feedback(session: AsyncSession, feedback: Any) -> None:
    meta = {"user_id": feedback.user_id, "kind": "feedback", "item_id": feedback.id, "rating": feedback.rating}
    text = feedback_document(feedback.comment, feedback.response)
    record_upsert(session, feedback_collection(feedback.user_id), feedback.id, text, meta)


class Indexer:
    """Applies outbox tasks: vector upserts, deletes and per-owner purges, and uploaded files to drop.
    Every task is idempotent, so a task that was applied but not yet removed when the process died is
    simply applied again."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        index: VectorIndex,
        blobs: BlobStore | None = None,
    ) -> None:
        self._sessions = sessions
        self._embedder = embedder
        self.index = index
        self._blobs = blobs
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def drain(self) -> int:
        """Apply every pending task; returns how many were applied."""
        applied = 0
        while True:
            async with self._sessions() as session:
                tasks = await OutboxRepository(session).pending(BATCH)
            if not tasks:
                return applied
            try:
                await self._apply(tasks)
            except Exception:
                async with transaction(self._sessions) as session:
                    await OutboxRepository(session).failed([t.id for t in tasks])
                raise
            async with transaction(self._sessions) as session:
                await OutboxRepository(session).remove([t.id for t in tasks])
            applied += len(tasks)

    async def _apply(self, tasks: list[Any]) -> None:
        # Tasks apply in order; consecutive runs of one operation on one collection go together.
        run: list[Any] = []
        for task in tasks:
            if run and (task.op, task.collection) != (run[0].op, run[0].collection):
                await self._apply_run(run)
                run = []
            run.append(task)
        if run:
            await self._apply_run(run)

    async def _apply_run(self, run: list[Any]) -> None:
        collection = run[0].collection
        if run[0].op == UPSERT:
            latest = {task.item_id: task for task in run}  # the last write of an item wins
            vectors = await self._embedder.encode([task.text or "" for task in latest.values()])
            await self.index.upsert(collection, list(latest), vectors, [task.meta for task in latest.values()])
        elif run[0].op == DROP:
            await self.index.drop(collection)
        elif run[0].op == PURGE:
            for user_id in dict.fromkeys(task.item_id for task in run):
                await self.index.delete_owner(collection, user_id)
        elif run[0].op == DROP_BLOB:
            for digest in dict.fromkeys(task.item_id for task in run):
                await self._drop_blob(digest)
        else:
            await self.index.delete(collection, [task.item_id for task in run])

    async def _drop_blob(self, digest: str) -> None:
        """Files are shared by content: one goes only when no resume of anyone still names it."""
        if self._blobs is None:
            raise RuntimeError("an uploaded file is to be dropped but this indexer has no blob store")
        async with self._sessions() as session:
            if await ResumeRepository(session).hash_in_use(digest):
                return
        await self._blobs.delete(digest)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="index-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        """Drain on start (healing a crash), then whenever a write wakes us, or every few seconds."""
        delay = IDLE_SECONDS
        while True:
            try:
                await self.drain()
                delay = IDLE_SECONDS
            except Exception:  # noqa: BLE001 - the tasks stay in the outbox; try again later
                log.exception("index outbox drain failed; retrying in %.0f s", delay)
                delay = min(delay * 2, 300)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def reindex(self) -> dict[str, int]:
        """Rebuild every collection from SQL: upsert what exists, delete what no longer does."""
        wanted: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {name: {} for name in COLLECTIONS}
        async with self._sessions() as session:
            for job in await session.scalars(select(Job)):
                meta = {"user_id": job.user_id, "kind": "job", "item_id": job.id, "visibility": job.visibility}
                wanted[job_collection(job)][job.id] = (job_document(job), meta)
            for model, kind in PROFILE_KINDS.items():
                for item in await session.scalars(select(model)):
                    meta = {"user_id": item.user_id, "kind": kind, "item_id": item.id}
                    wanted["profile_items"][item.id] = (item_document(item), meta)
            for feedback in await session.scalars(select(Feedback)):
                meta = {
                    "user_id": feedback.user_id,
                    "kind": "feedback",
                    "item_id": feedback.id,
                    "rating": feedback.rating,
                }
                wanted["feedback"][feedback.id] = (feedback_document(feedback.comment, feedback.response), meta)
        counts: dict[str, int] = {}
        for collection, items in wanted.items():
            stale = await self.index.ids(collection) - items.keys()
            await self.index.delete(collection, sorted(stale))
            ids = list(items)
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                vectors = await self._embedder.encode([items[i][0] for i in chunk])
                await self.index.upsert(collection, chunk, vectors, [items[i][1] for i in chunk])
            counts[collection] = len(ids)
        return counts


Notify = Callable[[], None]
