"""The bench harness must not rot: a tiny run starts the real server and prints figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_harness_runs() -> None:
    out = subprocess.run(
        [sys.executable, "bench/run.py", "--requests", "5", "--concurrency", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [
        line for line in out.stdout.splitlines() if line.startswith(("{ __typename }", "me (", "profile (", "jobs("))
    ]
    assert len(lines) == 4
    assert all(float(line.split()[-1]) > 0 for line in lines)
