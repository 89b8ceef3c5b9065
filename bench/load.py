"""A 60-second mixed load through the real server (uvicorn, 127.0.0.1, SQLite, the `local` provider):
HTTP clients mixing reads, resume generations and improvement runs (cached and fresh), while 100
websocket clients keep subscriptions open (each re-subscribing to `improveResume` as one completes).
Prints throughput, p50/p95/p99 per kind, errors (target: none) and the server's memory before/after.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--subscribers 100]
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.figures import record  # noqa: E402
from bench.improvements import SUBSCRIBE, events_of, open_socket, rss_mib, two_page_resume  # noqa: E402

READS = [
    "{ me { id email } }",
    "{ jobs(first: 20) { totalCount edges { node { id title company skills } } } }",
    "{ profile { fullName experiences { id title company } projects { id name } skills { name } } }",
    "{ generations(first: 10) { totalCount edges { node { id atsScore jobTitle } } } }",
    "{ improvements(first: 10) { totalCount edges { node { id originalScore improvedScore } } } }",
]
GENERATE = "mutation ($j: ID!) { generateResume(input: {jobId: $j}) { id atsScore } }"
IMPROVE = """mutation ($r: ID!, $j: ID!, $a: Boolean) {
  improveResume(resumeId: $r, jobId: $j, analyzeAgain: $a) { id improvedScore } }"""


async def call(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, auth: dict[str, str]) -> bool:
    try:
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)
        return response.status_code == 200 and not response.json().get("errors")
    except httpx.HTTPError:
        return False


async def setup(client: httpx.AsyncClient) -> tuple[str, str, list[str]]:
    """An account with a resume, a profile imported from it and the fixture jobs; its token, the resume, the jobs."""
    token = await common.register(client)
    auth = common.bearer(token)
    resume_id = await common.upload_resume(client, auth, two_page_resume().encode(), "r.txt")
    await common.post(
        client,
        "mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }",
        {"id": resume_id},
        auth,
    )
    jobs = await common.create_fixture_jobs(client, auth)
    for job_id in jobs:  # warm: embeddings, rankings and a stored improvement per job
        await call(client, GENERATE, {"j": job_id}, auth)
        await call(client, IMPROVE, {"r": resume_id, "j": job_id}, auth)
    return token, resume_id, jobs


async def run(seconds: float, clients: int, subscribers: int) -> None:
    rng = random.Random(11)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with common.running(llm_provider="local") as tailor:
        async with httpx.AsyncClient(base_url=tailor.base, timeout=120, limits=limits) as client:
            token, resume_id, jobs = await setup(client)
            auth = common.bearer(token)
            before = rss_mib(tailor.process.pid)
            end = time.monotonic() + seconds

            async def http_client() -> None:
                while time.monotonic() < end:
                    roll = rng.random()
                    job_id = rng.choice(jobs)
                    if roll < 0.6:
                        kind, query, variables = "read", rng.choice(READS), None
                    elif roll < 0.8:
                        kind, query, variables = "generateResume", GENERATE, {"j": job_id}
                    elif roll < 0.95:
                        kind, query, variables = "improveResume cached", IMPROVE, {"r": resume_id, "j": job_id}
                    else:
                        kind, query, variables = "improveResume run", IMPROVE, {"r": resume_id, "j": job_id, "a": True}
                    started = time.perf_counter()
                    ok = await call(client, query, variables, auth)
                    latencies[kind].append((time.perf_counter() - started) * 1000)
                    if not ok:
                        errors[kind] += 1

            async def subscriber(n: int) -> None:
                ws = await open_socket(tailor.address, token)
                try:
                    i = 0
                    while time.monotonic() < end:
                        i += 1
                        variables = {"r": resume_id, "j": jobs[n % len(jobs)]}
                        payload = {"query": SUBSCRIBE, "variables": variables}
                        started = time.perf_counter()
                        await ws.send(json.dumps({"id": f"{n}-{i}", "type": "subscribe", "payload": payload}))
                        try:
                            events = await events_of(ws, f"{n}-{i}")
                            ok = bool(events) and events[-1][0]["status"] == "COMPLETED"
                        except (SystemExit, Exception):  # noqa: BLE001 - counted, not fatal
                            ok = False
                        latencies["subscription"].append((time.perf_counter() - started) * 1000)
                        if not ok:
                            errors["subscription"] += 1
                        await asyncio.sleep(0.5)  # each subscriber asks twice a second
                finally:
                    await ws.close()

            sockets = [asyncio.create_task(subscriber(n)) for n in range(subscribers)]
            started = time.perf_counter()
            await asyncio.gather(*(http_client() for _ in range(clients)), *sockets)
            elapsed = time.perf_counter() - started
            peak = rss_mib(tailor.process.pid)
            await asyncio.sleep(2)
            after = rss_mib(tailor.process.pid)
        total = sum(len(v) for v in latencies.values())
        print(f"\nTailor mixed load — {seconds:.0f} s, {clients} HTTP clients, {subscribers} websocket subscribers")
        print(f"{total} operations, {total / elapsed:.0f}/s, errors: {sum(errors.values())}")
        print(f"{'kind':<24}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for kind, samples in sorted(latencies.items()):
            p50, p95, p99 = (common.percentile(samples, q) for q in (0.5, 0.95, 0.99))
            print(f"{kind:<24}{len(samples):>8}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{errors[kind]:>8}")
            record("load", f"{kind} p50 (p99 {p99:.0f} ms)", p50, p95=p95)
        record("load", "throughput", total / elapsed, "ops/s")
        record("load", "errors", sum(errors.values()), "errors", target="0 errors", met=not sum(errors.values()))
        print(f"server RSS MiB: {before:.1f} before, {peak:.1f} at the end of the load, {after:.1f} two seconds later")
        record("load", "server RSS before", before, "MiB")
        record("load", "server RSS after", after, "MiB")


def main() -> None:
    args = common.options(__doc__, seconds=60.0, clients=8, subscribers=100)
    asyncio.run(run(args.seconds, args.clients, args.subscribers))


if __name__ == "__main__":
    main()
