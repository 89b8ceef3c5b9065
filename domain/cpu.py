"""CPU work off the event loop: a small pool of worker processes, started once per server process.

Parsing, scoring, matching, the local provider's writing, the truthfulness check and PDF/DOCX
rendering are pure Python. They hold the GIL, so in a thread they would still stall every other
request; in a worker process they only cost the event loop an `await`. Embeddings stay in a thread
(torch releases the GIL), and the file readers have their own limited processes
(domain/documents/extract.py).

The workers fork from a server process that imported the modules below and built the skills lexicon
once (`forkserver`), so a worker starts in milliseconds, never imports torch, and never inherits the
server's threads or sockets. Work sent here must be a module-level function with picklable
arguments; the default lexicon pickles as a reference to the worker's own copy (`Lexicon.__reduce__`).

Work on little text (under `INLINE_CHARS`, with `run_sized`) runs inline: the trip costs more than the
work, and the loop is held a few milliseconds at most.

Input is bounded (resumes 100,000 characters, postings 50,000) and every function is linear in it, so
a task ends in bounded time: a caller that stops waiting (the operation timed out) leaves its task to
finish rather than killing a worker other requests share. A worker that dies (killed, out of memory)
breaks the pool; the next call builds a new one and tries once more."""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("tailor.cpu")

DEFAULT_WORKERS = 2
# Work on less text than this runs inline: a trip to a worker costs about a millisecond with pickling,
# more than the work itself (parsing and matching cost 0.1 to 0.8 ms per 1,000 characters), and the
# loop is held a few milliseconds at most. Callers say how much text a call reads (`chars`).
INLINE_CHARS = 10_000
# What the fork server imports before any worker forks from it: everything the workers run.
PRELOAD = ["domain.cpu_work"]


class CpuPool:
    """Worker processes for pure-Python work; built on first use, rebuilt when a worker dies."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.tasks = 0  # tasks sent to the workers, for tests that count work

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in a worker process; its exceptions (domain errors included) re-raised here."""
        call = functools.partial(fn, *args, **kwargs)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool()
            self.tasks += 1
            try:
                return await loop.run_in_executor(pool, call)
            except BrokenProcessPool:
                self._discard(pool)
                if attempt == 2:
                    raise
                log.warning("a CPU worker process died; starting a new pool")
        raise AssertionError("unreachable")

    async def start(self) -> None:
        """Start every worker now (the fork server imports the work modules once), so the first
        requests do not pay for it."""
        await asyncio.gather(*(self.run(os.getpid) for _ in range(self.workers)))

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_pool = CpuPool()
atexit.register(_pool.close)


def configure(workers: int) -> CpuPool:
    """Size the process's pool (from `TAILOR_CPU_WORKERS`); a pool already running keeps its workers
    until it is rebuilt."""
    _pool.workers = workers
    return _pool


def pool() -> CpuPool:
    return _pool


async def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run pure-Python work in the process's worker pool (see the module docstring)."""
    return await _pool.run(fn, *args, **kwargs)


async def run_sized(chars: int, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`run`, unless the work reads fewer than `INLINE_CHARS` characters: then here, at once."""
    if chars < INLINE_CHARS:
        return fn(*args, **kwargs)
    return await _pool.run(fn, *args, **kwargs)


def _exit_with(server_pid: int) -> None:
    """In each worker: exit when the server process does, however it ends (a SIGKILL runs no clean-up).
    A worker's parent is the fork server, and each worker holds the fork server open, so without this
    a killed server would leave both behind for good."""

    def watch() -> None:
        try:
            handle = os.pidfd_open(server_pid)
        except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): look once a second
            while _alive(server_pid):
                time.sleep(1)
        else:
            select.select([handle], [], [])  # readable once the process has ended
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
