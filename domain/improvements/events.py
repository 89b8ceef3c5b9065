"""Improvement runs as events: the broker port they travel through, the event each stage sends, and
the events a run's end (or its row read back from the database) stands for. Plain values, no I/O."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.errors import DomainError
from domain.improvements.pipeline import STAGES
from storage.db import utcnow
from storage.improvements import COMPLETED, FAILED, INTERRUPTED, RUNNING, Improvement, ImprovementRun
from storage.jobs import Job
from storage.resumes import Resume

PIPELINE = "improve-v1"  # part of the inputs hash: a new pipeline makes old results stale
INTERRUPTED_MESSAGE = "The run was interrupted before it finished (the server stopped); run it again"
ORDER = list(STAGES)


class Listener(Protocol):
    async def get(self, within: float) -> dict[str, Any] | None:
        """The next message on the channel, or None after `within` seconds of silence."""
        ...


class EventBroker(Protocol):
    """Fan-out of run events to every subscriber of a channel, remembering each channel's latest event."""

    async def publish(self, channel: str, message: dict[str, Any], *, final: bool = False) -> None: ...

    async def last(self, channel: str) -> dict[str, Any] | None: ...

    def listen(self, channel: str) -> AbstractAsyncContextManager[Listener]: ...

    async def aclose(self) -> None: ...

    @property
    def subscriber_count(self) -> int: ...

    @property
    def channel_count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RunSettings:
    heartbeat: timedelta = timedelta(seconds=5)
    stale_after: timedelta = timedelta(seconds=30)
    keep_runs: timedelta = timedelta(days=30)
    run_timeout: timedelta = timedelta(minutes=10)  # a run stuck past this fails, freeing the pair
    exclusive: bool = False  # the only process on this database: every RUNNING row at start is an orphan


@dataclass(frozen=True, slots=True)
class ImprovementEvent:
    run_id: str | None
    sequence: int
    status: str  # RUNNING | COMPLETED | FAILED
    stage: str
    progress: float
    message: str
    cached: bool = False
    improvement_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    improvement: Improvement | None = field(default=None, compare=False)  # when at hand; else by id
    at: datetime = field(default_factory=utcnow)  # when it happened

    @property
    def final(self) -> bool:
        return self.status != RUNNING

    def as_message(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "sequence": self.sequence,
            "status": self.status,
            "stage": self.stage,
            "progress": self.progress,
            "message": self.message,
            "cached": self.cached,
            "improvement_id": self.improvement_id,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "at": self.at.isoformat(),
        }

    @classmethod
    def of_message(cls, message: dict[str, Any]) -> ImprovementEvent:
        return cls(**{**message, "at": datetime.fromisoformat(message["at"])})


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def inputs_hash(resume: Resume, job: Job) -> str:
    return _hash(PIPELINE, resume.content_hash, job.content_hash, job.updated_at)


def completed(improvement: Improvement, run_id: str | None, cached: bool) -> ImprovementEvent:
    """A COMPLETED event: the only event of a cached answer (sequence 0), or a run's last."""
    progress, _ = STAGES["DONE"]
    message = "Answered from the stored improvement" if cached else "Improvement ready"
    sequence = 0 if cached else ORDER.index("DONE")
    return ImprovementEvent(
        run_id, sequence, COMPLETED, "DONE", progress, message, cached, improvement.id, improvement=improvement
    )


def failed(run_id: str | None, stage: str, code: str, message: str) -> ImprovementEvent:
    """A FAILED event, at the stage that failed (its progress stays where that stage began)."""
    progress = STAGES.get(stage, (0.0, ""))[0]
    sequence = ORDER.index(stage) + 1 if stage in ORDER else 0
    return ImprovementEvent(run_id, sequence, FAILED, stage, progress, message, error_code=code, error_message=message)


@dataclass
class FurthestStage:
    """The furthest stage a caller has been told of."""

    position: int = -1

    @property
    def stage(self) -> str:
        return ORDER[max(self.position, 0)]


class RunFailed(DomainError):
    """A run's failure, re-raised for a caller that waited for it (the mutation): same code, same message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]


def event_from_run(run: ImprovementRun | None, run_id: str) -> ImprovementEvent | None:
    """A run's state read back from the database, as the event that brought it there."""
    if run is None:  # deleted with its resume or job
        return failed(run_id, "LOAD", "NOT_FOUND", "The resume or the job was deleted")
    if run.status == COMPLETED and run.improvement_id:
        progress, message = STAGES["DONE"]
        return ImprovementEvent(
            run.id, ORDER.index("DONE"), COMPLETED, "DONE", progress, message, False, run.improvement_id
        )
    if run.status in (FAILED, INTERRUPTED):
        return failed(run.id, run.stage, run.error_code or "INTERNAL", run.error_message or INTERRUPTED_MESSAGE)
    if run.status == RUNNING:
        return ImprovementEvent(
            run.id, ORDER.index(run.stage), RUNNING, run.stage, run.progress, run.message, at=run.heartbeat_at
        )
    return None
