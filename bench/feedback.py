"""`similarFeedback` with 10,000 feedback rows, through the real server: one person rates one analysis
10,000 times with varied comments (submitted through the API, indexed by the background worker), then
semantic searches over their feedback are timed against `{ __typename }` from the same run.

    .venv/bin/python bench/feedback.py [--rows 10000] [--requests 200]
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.figures import record  # noqa: E402

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
    rng = random.Random(7)
    async with common.running() as tailor, httpx.AsyncClient(base_url=tailor.base, timeout=120) as client:
        auth = common.bearer(await common.register(client))
        maya = (common.FIXTURES / "resumes" / "maya_chen.txt").read_bytes()
        resume_id = await common.upload_resume(client, auth, maya, "r.txt")
        [job_id] = await common.create_fixture_jobs(client, auth, "senior_backend_python")
        match = await common.post(
            client,
            "query ($r: ID!, $j: ID!) { match(resumeId: $r, jobId: $j) { id } }",
            {"r": resume_id, "j": job_id},
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
                await common.post(client, SUBMIT, variables, auth)

        await asyncio.gather(*(submitter() for _ in range(8)))
        submitted = time.perf_counter() - started
        database = tailor.data_dir / "tailor.db"
        for _ in range(3600):  # the background worker embeds and indexes what was submitted
            if not pending_index_tasks(database):
                break
            await asyncio.sleep(1)
        indexed = time.perf_counter() - started

        async def trivial() -> None:
            await common.post(client, "{ __typename }", None, {})

        async def search() -> None:
            await common.post(client, SIMILAR, {"q": rng.choice(QUERIES)}, auth)

        for _ in range(20):
            await trivial()
            await search()
        floor = await common.timed(requests, trivial)
        similar = await common.timed(requests, search)
        f50, f95 = common.percentile(floor, 0.5), common.percentile(floor, 0.95)
        s50, s95 = common.percentile(similar, 0.5), common.percentile(similar, 0.95)
        print(f"\nTailor feedback bench — {rows} feedback rows of one person")
        print(f"submitted through the API in {submitted:.0f} s (8 clients), indexed by {indexed:.0f} s")
        print(f"{'operation':<40}{'p50 ms':>9}{'p95 ms':>9}{'p50 × floor':>13}")
        print(f"{'{ __typename }':<40}{f50:>9.2f}{f95:>9.2f}{1:>13.2f}")
        print(f"{'similarFeedback(limit: 5)':<40}{s50:>9.2f}{s95:>9.2f}{s50 / f50:>13.2f}")
        record("feedback", f"similarFeedback(limit: 5), {rows} rows", s50, p95=s95, floor=f50)


def main() -> None:
    args = common.options(__doc__, rows=10_000, requests=200)
    asyncio.run(run(args.rows, args.requests))


if __name__ == "__main__":
    main()
