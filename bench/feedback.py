"""`similarFeedback` with 10,000 feedback rows, through the real server: one person rates one analysis
10,000 times with varied comments (submitted through the API, indexed by the background worker), then
semantic searches over their feedback are timed against `{ __typename }` from the same run.

    .venv/bin/python bench/feedback.py [--rows 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import record  # noqa: E402
from bench.run import UNLIMITED, free_port, percentile, post, upload_resume, wait_ready  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TOPICS = [
    "the cover letter tone",
    "keyword coverage",
    "the summary",
    "bullet points",
    "the skills section",
    "the ranking order",
    "the match score",
    "suggested rewrites",
    "formatting for ATS",
    "the length",
]
VERDICTS = [
    "was spot on",
    "felt too formal",
    "missed my main project",
    "was too long",
    "was generic",
    "helped a lot",
    "repeated itself",
    "ignored the job's requirements",
    "read naturally",
    "was confusing",
]
QUERIES = [
    "too formal tone",
    "missed important experience",
    "great keyword match",
    "ATS formatting problems",
    "ranking put the wrong job first",
]
SUBMIT = """mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }"""
SIMILAR = """query ($q: String!) { similarFeedback(query: $q, limit: 5) { similarity feedback { id rating } } }"""


def pending_index_tasks(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM index_outbox").fetchone()[0])


async def run(rows: int, requests: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tailor-bench-feedback-"))
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TAILOR_")}
    env = {**inherited, **UNLIMITED, "TAILOR_DATA_DIR": str(data_dir), "TAILOR_PORT": str(port)}
    env["TAILOR_LOG_LEVEL"] = "WARNING"
    proc = subprocess.Popen([sys.executable, "-m", "graph.server.cli", "serve"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(7)
    try:
        await wait_ready(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            signup = await post(
                client, 'mutation { register(email: "f@example.com", password: "bench password") { token } }', None, {}
            )
            auth = {"Authorization": f"Bearer {signup['register']['token']}"}
            maya = (FIXTURES / "resumes" / "maya_chen.txt").read_bytes()
            resume_id = await upload_resume(client, auth, maya, "r.txt")
            job = await post(
                client,
                "mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }",
                {"t": (FIXTURES / "jobs" / "senior_backend_python.txt").read_text()},
                auth,
            )
            match = await post(
                client,
                "query ($r: ID!, $j: ID!) { match(resumeId: $r, jobId: $j) { id } }",
                {"r": resume_id, "j": job["createJob"]["id"]},
                auth,
            )
            subject = match["match"]["id"]

            started = time.perf_counter()
            remaining = list(range(rows))

            async def submitter() -> None:
                while remaining:
                    i = remaining.pop()
                    comment = f"{rng.choice(TOPICS).capitalize()} {rng.choice(VERDICTS)} (#{i})"
                    variables = {
                        "input": {
                            "subjectType": "ANALYSIS",
                            "subjectId": subject,
                            "rating": rng.randint(1, 5),
                            "comment": comment,
                            "response": f"Match {rng.randint(30, 95)}%",
                        }
                    }
                    await post(client, SUBMIT, variables, auth)

            await asyncio.gather(*(submitter() for _ in range(8)))
            submitted = time.perf_counter() - started
            database = data_dir / "tailor.db"
            for _ in range(3600):  # the background worker embeds and indexes what was submitted
                if not pending_index_tasks(database):
                    break
                await asyncio.sleep(1)
            indexed = time.perf_counter() - started

            async def timed(query: str, variables: dict[str, Any] | None, headers: dict[str, str]) -> float:
                began = time.perf_counter()
                await post(client, query, variables, headers)
                return (time.perf_counter() - began) * 1000

            for _ in range(20):
                await timed("{ __typename }", None, {})
                await timed(SIMILAR, {"q": rng.choice(QUERIES)}, auth)
            floor = [await timed("{ __typename }", None, {}) for _ in range(requests)]
            similar = [await timed(SIMILAR, {"q": rng.choice(QUERIES)}, auth) for _ in range(requests)]
            f50, s50 = percentile(floor, 0.5), percentile(similar, 0.5)
            print(f"\nTailor feedback bench — {rows} feedback rows of one person")
            print(f"submitted through the API in {submitted:.0f} s (8 clients), indexed by {indexed:.0f} s")
            print(f"{'operation':<40}{'p50 ms':>9}{'p95 ms':>9}{'p50 × floor':>13}")
            print(f"{'{ __typename }':<40}{f50:>9.2f}{percentile(floor, 0.95):>9.2f}{1:>13.2f}")
            print(f"{'similarFeedback(limit: 5)':<40}{s50:>9.2f}{percentile(similar, 0.95):>9.2f}{s50 / f50:>13.2f}")
            record("feedback", f"similarFeedback(limit: 5), {rows} rows", s50, p95=percentile(similar, 0.95), floor=f50)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.requests))


if __name__ == "__main__":
    main()
