"""The CPU pool (domain/cpu.py): work runs in other processes that never import torch, errors arrive
whole, a dead worker is replaced, and workers do not outlive their server."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from domain import cpu
from domain.errors import JobParsingFailed
from domain.job_parsing import parse_job
from domain.skills import default_lexicon

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sentence_transformers", "transformers", "chromadb")


def heavy_modules() -> list[str]:
    return sorted({name.split(".")[0] for name in sys.modules if name.split(".")[0] in HEAVY})


async def test_work_runs_in_another_process_that_never_imports_torch() -> None:
    assert await cpu.run(os.getpid) != os.getpid()
    assert await cpu.run(heavy_modules) == []


async def test_small_work_runs_here_and_large_work_in_a_worker() -> None:
    sent = cpu.pool().tasks
    assert await cpu.run_sized(cpu.INLINE_CHARS - 1, os.getpid) == os.getpid()
    assert cpu.pool().tasks == sent
    assert await cpu.run_sized(cpu.INLINE_CHARS, os.getpid) != os.getpid()
    assert cpu.pool().tasks == sent + 1


async def test_the_default_lexicon_travels_as_a_reference() -> None:
    import pickle

    assert len(pickle.dumps(default_lexicon())) < 200  # not its thousands of skills and compiled patterns
    assert pickle.loads(pickle.dumps(default_lexicon())) is default_lexicon()


async def test_domain_errors_arrive_whole() -> None:
    with pytest.raises(JobParsingFailed) as caught:
        await cpu.run(parse_job, "   \n  ", default_lexicon())
    assert caught.value.code == "JOB_PARSING_FAILED" and caught.value.message


async def test_a_dead_worker_is_replaced() -> None:
    pool = cpu.CpuPool(workers=1)
    try:
        first = await pool.run(os.getpid)
        with pytest.raises(BrokenProcessPool):
            await pool.run(os._exit, 1)  # dies twice: the retry on a new pool dies too
        assert await pool.run(os.getpid) not in (first, os.getpid())
    finally:
        pool.close()


def test_workers_exit_when_their_server_is_killed(tmp_path: Path) -> None:
    """A SIGKILLed server runs no clean-up: its workers (and the fork server) must go anyway."""
    script = tmp_path / "server.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio, os, sys, time
            from domain import cpu

            async def main():
                pool = cpu.CpuPool(workers=2)
                pids = await asyncio.gather(*(pool.run(os.getpid) for _ in range(8)))
                print(" ".join(map(str, sorted(set(pids)))), flush=True)
                time.sleep(600)

            if __name__ == "__main__":
                asyncio.run(main())
            """
        )
    )
    server = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert server.stdout is not None
    workers = [int(pid) for pid in server.stdout.readline().split()]
    assert workers and all(_alive(pid) for pid in workers)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    # EOF only once every process holding the pipe (the fork server, the workers) has gone
    readable, _, _ = select.select([server.stdout], [], [], 15)
    assert readable and server.stdout.read() == "", "the workers outlived their server"
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")
