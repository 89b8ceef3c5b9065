"""Improvements (one stored result per resume+job, replaced only by a run that succeeds) and the runs that
make them. A run row is the single-run lock: at most one RUNNING row per (user, resume, job), enforced by a
partial unique index, so the rule holds across processes that share the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Base, UTCDateTime, new_id, utcnow
from storage.jobs import Job, JobRepository
from storage.pagination import Keyset, read_page
from storage.resumes import Resume

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
INTERRUPTED = "INTERRUPTED"


class Improvement(Base):
    __tablename__ = "improvements"
    __table_args__ = (
        UniqueConstraint("resume_id", "job_id"),
        Index("ix_improvements_job_id", "job_id"),
        Index("ix_improvements_created_at", "created_at"),
        Index("ix_improvements_user_id_updated_at_id", "user_id", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    resume_id: Mapped[str] = mapped_column(String(36), ForeignKey("resumes.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    original_score: Mapped[float] = mapped_column(Float)
    improved_score: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImprovementRun(Base):
    __tablename__ = "improvement_runs"
    __table_args__ = (
        Index(
            "ix_improvement_runs_user_id_resume_id_job_id_started_at", "user_id", "resume_id", "job_id", "started_at"
        ),
        Index("ix_improvement_runs_status_heartbeat_at", "status", "heartbeat_at"),
        Index("ix_improvement_runs_job_id", "job_id"),
        Index("ix_improvement_runs_resume_id", "resume_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    resume_id: Mapped[str] = mapped_column(String(36), ForeignKey("resumes.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"))
    analyze_again: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    stage: Mapped[str] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    improvement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# One running run per (user, resume, job): the lock every process honours.
Index(
    "uq_improvement_runs_running",
    ImprovementRun.user_id,
    ImprovementRun.resume_id,
    ImprovementRun.job_id,
    unique=True,
    sqlite_where=text("status = 'RUNNING'"),
    postgresql_where=text("status = 'RUNNING'"),
)


class ImprovementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lookup(self, user_id: str, resume_id: str, job_id: str) -> tuple[Resume, Job, Improvement | None] | None:
        """The caller's resume, a job they may read, and the stored improvement of the pair, in one
        statement; None when either is missing or not theirs."""
        found = (
            await self.session.execute(
                select(Resume, Job, Improvement)
                .select_from(Resume)
                .join(Job, true())  # two rows picked by primary key: a cross join of one row each
                .where(
                    Resume.id == resume_id,
                    Resume.user_id == user_id,
                    Job.id == job_id,
                    JobRepository.readable_by(user_id),
                )
                .outerjoin(Improvement, and_(Improvement.resume_id == Resume.id, Improvement.job_id == Job.id))
            )
        ).first()
        return (found[0], found[1], found[2]) if found is not None else None

    async def find_owned(self, user_id: str, improvement_id: str) -> Improvement | None:
        return await self.session.scalar(
            select(Improvement).where(Improvement.id == improvement_id, Improvement.user_id == user_id)
        )

    async def for_resume_and_job(self, user_id: str, resume_id: str, job_id: str) -> Improvement | None:
        return await self.session.scalar(
            select(Improvement).where(
                Improvement.user_id == user_id, Improvement.resume_id == resume_id, Improvement.job_id == job_id
            )
        )

    async def save(self, user_id: str, resume_id: str, job_id: str, values: dict[str, Any]) -> Improvement:
        """Replace the pair's improvement (keeping its id and creation time) or add the first one."""
        row = await self.for_resume_and_job(user_id, resume_id, job_id)
        now = utcnow()
        if row is None:
            row = Improvement(user_id=user_id, resume_id=resume_id, job_id=job_id, created_at=now, **values)
            self.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        row.updated_at = now
        await self.session.flush()
        return row

    async def page(
        self, user_id: str, keys: Keyset, *, resume_id: str | None, job_id: str | None
    ) -> tuple[list[Improvement], int]:
        """The rows of the filter the keyset selects (on updated_at), in its reading order, and how many match."""
        conditions: list[ColumnElement[bool]] = [Improvement.user_id == user_id]
        if resume_id:
            conditions.append(Improvement.resume_id == resume_id)
        if job_id:
            conditions.append(Improvement.job_id == job_id)
        return await read_page(self.session, Improvement, conditions, keys, Improvement.updated_at)


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, run: ImprovementRun) -> None:
        """Insert the run as RUNNING. IntegrityError when another run of the pair holds the lock."""
        self.session.add(run)
        await self.session.flush()

    async def get(self, run_id: str) -> ImprovementRun | None:
        return await self.session.get(ImprovementRun, run_id)

    async def running(self, user_id: str, resume_id: str, job_id: str) -> ImprovementRun | None:
        return await self.session.scalar(
            select(ImprovementRun).where(
                ImprovementRun.user_id == user_id,
                ImprovementRun.resume_id == resume_id,
                ImprovementRun.job_id == job_id,
                ImprovementRun.status == RUNNING,
            )
        )

    async def latest(self, user_id: str, resume_id: str, job_id: str) -> ImprovementRun | None:
        return await self.session.scalar(
            select(ImprovementRun)
            .where(
                ImprovementRun.user_id == user_id,
                ImprovementRun.resume_id == resume_id,
                ImprovementRun.job_id == job_id,
            )
            .order_by(ImprovementRun.started_at.desc(), ImprovementRun.id.desc())
            .limit(1)
        )

    async def progress(self, run_id: str, values: dict[str, Any]) -> None:
        """A stage reached: its name, progress and message, and a heartbeat; only while still running."""
        await self.session.execute(
            update(ImprovementRun)
            .where(ImprovementRun.id == run_id, ImprovementRun.status == RUNNING)
            .values(heartbeat_at=utcnow(), **values)
        )

    async def finish(self, run_id: str, status: str, values: dict[str, Any]) -> bool:
        """End a running run; False when it had already ended (e.g. marked interrupted as stale)."""
        now = utcnow()
        result = await self.session.execute(
            update(ImprovementRun)
            .where(ImprovementRun.id == run_id, ImprovementRun.status == RUNNING)
            .values(status=status, finished_at=now, heartbeat_at=now, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def touch(self, run_ids: list[str]) -> None:
        await self.session.execute(
            update(ImprovementRun)
            .where(ImprovementRun.id.in_(run_ids), ImprovementRun.status == RUNNING)
            .values(heartbeat_at=utcnow())
        )

    async def interrupt_stale(self, stale_before: datetime, message: str, keep: list[str]) -> list[str]:
        """Mark runs whose process stopped beating as INTERRUPTED (all but `keep`); their ids."""
        ids = list(
            await self.session.scalars(
                select(ImprovementRun.id).where(
                    ImprovementRun.status == RUNNING,
                    ImprovementRun.heartbeat_at < stale_before,
                    ImprovementRun.id.not_in(keep),
                )
            )
        )
        if ids:
            await self.session.execute(
                update(ImprovementRun)
                .where(
                    ImprovementRun.id.in_(ids),
                    ImprovementRun.status == RUNNING,
                    ImprovementRun.heartbeat_at < stale_before,  # not if it beat since we looked
                )
                .values(status=INTERRUPTED, finished_at=utcnow(), error_code="INTERNAL", error_message=message)
            )
        return ids

    async def forget_finished(self, before: datetime) -> None:
        """Finished runs are kept a while for the record, not for ever."""
        await self.session.execute(
            delete(ImprovementRun).where(ImprovementRun.status != RUNNING, ImprovementRun.finished_at < before)
        )
