"""Improving a resume for a job: cache first, one run per (user, resume, job), live progress for everyone
who asks, and a result stored only when a run succeeds.

A run is a background task owned by the process that won the run lock (a RUNNING row in
`improvement_runs`, unique per pair, so the rule holds across processes sharing the database). Callers
subscribe to the pair's channel on the event broker (in-process, or Redis pub/sub when configured) and
follow that run: from its latest event on, to COMPLETED or FAILED. A caller that leaves does not stop
the run. A run whose process died stops beating; it is marked INTERRUPTED (at start, and by a sweep
every heartbeat), and whoever is waiting for it takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ai.llm import LLMProvider
from domain.ai.truthfulness import TruthChecker
from domain.analyses import AnalysisService
from domain.errors import DomainError, NextStep, NotFound
from domain.improvements.events import (
    INTERRUPTED_MESSAGE,
    ORDER,
    EventBroker,
    FurthestStage,
    ImprovementEvent,
    Listener,
    RunFailed,
    RunSettings,
    completed,
    event_from_run,
    failed,
    inputs_hash,
)
from domain.improvements.pipeline import STAGES, run_pipeline
from domain.ownership import owned_or_not_found
from domain.pagination import Page, page_of
from domain.resumes import ResumeService
from domain.skills import Lexicon
from domain.validation import is_uuid
from storage.accounts import User
from storage.codec import encode
from storage.db import transaction, utcnow
from storage.improvements import (
    COMPLETED,
    FAILED,
    INTERRUPTED,
    RUNNING,
    Improvement,
    ImprovementRepository,
    ImprovementRun,
    RunRepository,
)
from storage.jobs import Job
from storage.pagination import Keyset
from storage.resumes import Resume

log = logging.getLogger("tailor.improvements")
MAX_TAKEOVERS = 3
MAX_KEPT_RESULTS = 64
DELETED_WITH_ITS_INPUTS = "The improvement was deleted with its resume or job"


class _AlreadyStored(Exception):  # noqa: N818 - an answer, not an error
    def __init__(self, improvement: Improvement) -> None:
        self.improvement = improvement


class ImprovementService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        resumes: ResumeService,
        analyses: AnalysisService,
        llm: LLMProvider,
        lexicon: Lexicon,
        broker: EventBroker,
        settings: RunSettings,
        channel_prefix: str = "improve:",
    ) -> None:
        self._sessions = sessions
        self._resumes = resumes
        self._analyses = analyses
        self._llm = llm
        self._lexicon = lexicon
        self._broker = broker
        self._settings = settings
        self._prefix = channel_prefix
        self._checker = TruthChecker(lexicon)
        self._runs: dict[str, asyncio.Task[None]] = {}  # run id → its task, in this process
        self._ticker: asyncio.Task[None] | None = None
        self._orphans_left = False  # an exclusive process has not yet swept what its predecessor left
        self._results: OrderedDict[str, Improvement] = OrderedDict()  # run id → its result, newest last

    # Lifecycle

    async def start(self) -> None:
        """Mark the runs a stopped process left behind, then keep this process's runs beating. A database
        that is down at start does not stop the server: the heartbeat sweeps once it answers."""
        self._orphans_left = self._settings.exclusive
        try:
            await self._sweep()
        except Exception:  # noqa: BLE001 - /healthz reports the database; the heartbeat retries
            log.exception("could not sweep interrupted improvement runs at start")
        self._ticker = asyncio.create_task(self._heartbeat_loop())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()  # each marks its run INTERRUPTED and tells its followers
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._broker.aclose()

    async def _heartbeat_loop(self) -> None:
        interval = self._settings.heartbeat.total_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                if self._runs:
                    async with transaction(self._sessions) as session:
                        await RunRepository(session).touch(list(self._runs))
                await self._sweep()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the loop must not die
                log.exception("improvement heartbeat failed")

    async def _sweep(self) -> None:
        """Runs silent for longer than `stale_after` become INTERRUPTED; so does every running run but
        this process's own on the first sweep of the only process on the database."""
        now = utcnow()
        stale_before = now + timedelta(seconds=1) if self._orphans_left else now - self._settings.stale_after
        async with transaction(self._sessions) as session:
            runs = RunRepository(session)
            ids = await runs.interrupt_stale(stale_before, INTERRUPTED_MESSAGE, keep=list(self._runs))
            await runs.forget_finished(now - self._settings.keep_runs)
        self._orphans_left = False
        if ids:
            log.warning("marked %d improvement run(s) interrupted", len(ids))

    def activity(self) -> dict[str, int]:
        """What this process holds for runs: a leak shows here (and `bench/` watches it)."""
        return {
            "runs": len(self._runs),
            "subscribers": self._broker.subscriber_count,
            "channels": self._broker.channel_count,
        }

    # Reads

    async def lookup(self, user: User, resume_id: str, job_id: str) -> tuple[Resume, Job, Improvement | None]:
        """The resume, the job and their stored improvement, in one query; NOT_FOUND says which is missing."""
        if is_uuid(resume_id) and is_uuid(job_id):
            async with self._sessions() as session:
                found = await ImprovementRepository(session).lookup(user.id, resume_id, job_id)
            if found is not None:
                return found
        try:
            await self._resumes.get(user, resume_id)
        except NotFound as exc:
            raise NotFound(exc.message, field="resume_id") from exc
        raise NotFound(f"No such job: {job_id}", field="job_id")

    async def get(self, user: User, resume_id: str, job_id: str) -> Improvement:
        _, _, stored = await self.lookup(user, resume_id, job_id)
        if stored is None:
            raise NotFound("No improvement yet for this resume and job", field="job_id", next_step=NextStep.IMPROVE)
        return stored

    async def latest_run(self, user: User, resume_id: str, job_id: str) -> ImprovementRun:
        resume, job, _ = await self.lookup(user, resume_id, job_id)
        async with self._sessions() as session:
            run = await RunRepository(session).latest(user.id, resume.id, job.id)
        if run is None:
            raise NotFound("This resume has not been improved for this job yet", field="job_id")
        return run

    async def page(self, user: User, keys: Keyset, *, resume_id: str | None, job_id: str | None) -> Page[Improvement]:
        """Most recently updated first: the cursors key on (updated_at, id)."""
        if (resume_id and not is_uuid(resume_id)) or (job_id and not is_uuid(job_id)):
            return Page.empty()
        async with self._sessions() as session:
            rows, total = await ImprovementRepository(session).page(user.id, keys, resume_id=resume_id, job_id=job_id)
        return page_of(rows, total, keys, key=lambda row: (row.updated_at, row.id))

    # Runs

    async def improve(self, user: User, resume_id: str, job_id: str, analyze_again: bool = False) -> Improvement:
        """Run to completion (or join the run going) and return the stored improvement; a failed run
        raises its error."""
        last: ImprovementEvent | None = None
        async for event in self.events(user, resume_id, job_id, analyze_again):
            last = event
        assert last is not None and last.final
        if last.error_code is not None:
            raise RunFailed(last.error_code, last.error_message or "The improvement failed")
        return await self.improvement_of_event(user, last)

    async def improvement_of_event(self, user: User, event: ImprovementEvent) -> Improvement:
        """The improvement a COMPLETED event names: read once per run and process, however many
        subscribers the event reaches (each run's result is kept by run id; a later run has another)."""
        if event.improvement is not None:
            return event.improvement
        assert event.improvement_id is not None
        key = event.run_id or event.improvement_id
        kept = self._results.get(key)
        if kept is not None and kept.user_id == user.id:
            return kept
        async with self._sessions() as session:
            improvement = await owned_or_not_found(
                ImprovementRepository(session), user, event.improvement_id, "job_id", message=DELETED_WITH_ITS_INPUTS
            )
        self._keep(key, improvement)
        return improvement

    def _keep(self, run_id: str, improvement: Improvement) -> None:
        self._results[run_id] = improvement
        if len(self._results) > MAX_KEPT_RESULTS:
            self._results.popitem(last=False)

    async def events(
        self, user: User, resume_id: str, job_id: str, analyze_again: bool = False
    ) -> AsyncIterator[ImprovementEvent]:
        """The run's events for this caller: one COMPLETED event from the cache, or the events of the run
        it starts or joins, from the latest on, ending with COMPLETED or FAILED. NOT_FOUND is raised
        before any event."""
        resume, job, stored = await self.lookup(user, resume_id, job_id)
        if not analyze_again and stored is not None and stored.inputs_hash == inputs_hash(resume, job):
            yield completed(stored, None, cached=True)
            return
        channel = f"{self._prefix}{user.id}:{resume.id}:{job.id}"
        async with self._broker.listen(channel) as listener:
            reached = FurthestStage()  # shared by the runs followed: a takeover never sends progress back
            for _ in range(MAX_TAKEOVERS):
                run_id, started, cached = await self._start_or_join(user, resume, job, analyze_again)
                if cached is not None:
                    yield cached
                    return
                assert run_id is not None
                ended = False
                async for event in self._follow(listener, channel, run_id, reached, joined=not started):
                    yield event
                    ended = event.final
                if ended:
                    return
                # the run we followed was interrupted (its process stopped): take over
            yield failed(None, reached.stage, "INTERNAL", "The improvement could not be run; try again")

    async def _start_or_join(
        self, user: User, resume: Resume, job: Job, analyze_again: bool
    ) -> tuple[str | None, bool, ImprovementEvent | None]:
        """Win the run lock and start the run here, or find the run going: (run id, whether started here,
        None). When there is no run going but a fresh stored result appeared meanwhile: its COMPLETED event."""
        for _ in range(MAX_TAKEOVERS):
            progress, message = STAGES["LOAD"]
            run = ImprovementRun(
                user_id=user.id,
                resume_id=resume.id,
                job_id=job.id,
                analyze_again=analyze_again,
                status=RUNNING,
                stage="LOAD",
                progress=progress,
                message=message,
            )
            try:
                async with transaction(self._sessions) as session:
                    await RunRepository(session).start(run)
                    if not analyze_again:  # a run that ended just before ours won may have stored it
                        stored = await ImprovementRepository(session).for_resume_and_job(user.id, resume.id, job.id)
                        if stored is not None and stored.inputs_hash == inputs_hash(resume, job):
                            raise _AlreadyStored(stored)  # rolls our run back
            except _AlreadyStored as answer:
                return None, False, completed(answer.improvement, None, cached=True)
            except IntegrityError:
                async with self._sessions() as session:
                    going = await RunRepository(session).running(user.id, resume.id, job.id)
                    stored = await ImprovementRepository(session).for_resume_and_job(user.id, resume.id, job.id)
                if going is not None:
                    if self._stale(going):
                        await self._sweep()
                        continue
                    return going.id, False, None
                if not analyze_again and stored is not None and stored.inputs_hash == inputs_hash(resume, job):
                    return None, False, completed(stored, None, cached=True)
                continue  # it ended between our insert and our look: try again
            self._launch(run, user, resume, job)
            return run.id, True, None
        await self.lookup(user, resume.id, job.id)  # NOT_FOUND when the resume or the job was deleted
        raise RunFailed("INTERNAL", "Could not start or join the improvement run; try again")

    def _stale(self, run: ImprovementRun) -> bool:
        return run.heartbeat_at < utcnow() - self._settings.stale_after

    def _launch(self, run: ImprovementRun, user: User, resume: Resume, job: Job) -> None:
        task = asyncio.create_task(self._run(run.id, user, resume, job), name=f"improve:{run.id}")
        self._runs[run.id] = task
        task.add_done_callback(lambda _: self._runs.pop(run.id, None))

    async def _follow(
        self, listener: Listener, channel: str, run_id: str, reached: FurthestStage, *, joined: bool
    ) -> AsyncIterator[ImprovementEvent]:
        """Events of one run, each stage once: all of them for the caller that started it (it listened
        first), from the latest on for one that joined. On silence the database says whether the run
        ended, moved on (in a process whose events do not reach this one) or died; returns without a
        final event when it was interrupted, so the caller can take over."""

        def news(event: ImprovementEvent) -> bool:
            position = ORDER.index(event.stage) if event.stage in ORDER else reached.position
            if event.final or position > reached.position:
                reached.position = position
                return True
            return False

        first: ImprovementEvent | None = None
        if joined:
            latest = await self._broker.last(channel)
            if latest is not None and latest.get("run_id") == run_id:
                first = ImprovementEvent.of_message(latest)
            else:
                async with self._sessions() as session:
                    first = event_from_run(await RunRepository(session).get(run_id), run_id)
        if first is not None and news(first):
            yield first
            if first.final:
                return
        wait = self._settings.heartbeat.total_seconds() * 2
        while True:
            message = await listener.get(wait)
            if message is None:
                async with self._sessions() as session:
                    run = await RunRepository(session).get(run_id)
                if run is not None and run.status == INTERRUPTED:
                    return
                if run is not None and run.status == RUNNING and run_id not in self._runs and self._stale(run):
                    await self._sweep()
                    return
                event = event_from_run(run, run_id)
            elif message.get("run_id") == run_id:
                event = ImprovementEvent.of_message(message)
            else:
                continue
            if event is not None and news(event):
                yield event
                if event.final:
                    return

    async def _run(self, run_id: str, user: User, resume: Resume, job: Job) -> None:
        """The run itself, in the background: every stage published, the result stored with the run's end
        in one transaction, failures published with their code."""
        channel = f"{self._prefix}{user.id}:{resume.id}:{job.id}"
        stage = "LOAD"

        async def emit(next_stage: str) -> None:
            nonlocal stage
            stage = next_stage
            sequence = ORDER.index(stage)
            progress, message = STAGES[stage]
            event = ImprovementEvent(run_id, sequence, RUNNING, stage, progress, message)
            async with transaction(self._sessions) as session:
                await RunRepository(session).progress(
                    run_id, {"stage": stage, "progress": progress, "message": message}
                )
            await self._publish(channel, event)

        try:
            progress, message = STAGES["LOAD"]
            await self._publish(channel, ImprovementEvent(run_id, 0, RUNNING, "LOAD", progress, message))
            try:
                async with asyncio.timeout(self._settings.run_timeout.total_seconds()):
                    outcome = await run_pipeline(
                        resume,
                        job,
                        llm=self._llm,
                        lexicon=self._lexicon,
                        checker=self._checker,
                        analyses=self._analyses,
                        emit=emit,
                    )
            except TimeoutError as exc:
                limit = self._settings.run_timeout.total_seconds()
                raise RunFailed(
                    "INTERNAL", f"The improvement took longer than {limit:g} seconds and was stopped"
                ) from exc
            await emit("SAVE")
            values = {
                "inputs_hash": inputs_hash(resume, job),
                "original_score": outcome.original_score,
                "improved_score": outcome.improved_score,
                "result": encode(outcome.result),
            }
            try:
                async with transaction(self._sessions) as session:
                    saved = await ImprovementRepository(session).save(user.id, resume.id, job.id, values)
                    done = STAGES["DONE"]
                    ended = await RunRepository(session).finish(
                        run_id,
                        COMPLETED,
                        {"stage": "DONE", "progress": done[0], "message": done[1], "improvement_id": saved.id},
                    )
                    if not ended:
                        raise RunFailed("INTERNAL", INTERRUPTED_MESSAGE)  # rolls the save back
            except IntegrityError as exc:  # the resume or the job went away mid-run
                raise NotFound("The resume or the job was deleted while it was being improved") from exc
        except asyncio.CancelledError:
            await self._finish_run(run_id, channel, stage, INTERRUPTED, "INTERNAL", INTERRUPTED_MESSAGE)
            raise
        except DomainError as exc:
            await self._finish_run(run_id, channel, stage, FAILED, exc.code, exc.message)
        except Exception:  # noqa: BLE001 - logged with its traceback, told to followers as INTERNAL
            log.exception("improvement run %s failed", run_id)
            message = f"The improvement failed unexpectedly (run {run_id})"
            await self._finish_run(run_id, channel, stage, FAILED, "INTERNAL", message)
        else:
            self._keep(run_id, saved)  # this process's subscribers need not read it back
            await self._publish(channel, completed(saved, run_id, cached=False), final=True)

    async def _publish(self, channel: str, event: ImprovementEvent, *, final: bool = False) -> None:
        """Publish; a broker that is down costs live progress, never the run (followers fall back on
        the database)."""
        try:
            await self._broker.publish(channel, event.as_message(), final=final)
        except Exception:  # noqa: BLE001 - logged; the run's row stays the truth
            log.exception("could not publish an improvement event on %s", channel)

    async def _finish_run(self, run_id: str, channel: str, stage: str, status: str, code: str, message: str) -> None:
        """Record how the run ended and tell its followers. An INTERRUPTED run (this process stopping)
        says nothing: followers elsewhere find it interrupted and take over."""
        ended = False
        try:
            async with transaction(self._sessions) as session:
                runs = RunRepository(session)
                ended = await runs.finish(run_id, status, {"error_code": code, "error_message": message})
                row = None if ended else await runs.get(run_id)
        except Exception:  # noqa: BLE001 - the stale sweep will mark it; followers must still hear
            log.exception("could not record the end of improvement run %s", run_id)
            row = None
        if ended and status == FAILED:
            await self._publish(channel, failed(run_id, stage, code, message), final=True)
        elif row is not None and row.status == COMPLETED:  # it had finished after all: say so
            event = event_from_run(row, run_id)
            if event is not None:
                await self._publish(channel, event, final=True)
