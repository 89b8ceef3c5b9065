"""A 60-second mixed load through the real server (uvicorn, 127.0.0.1, SQLite, the `local` provider):
HTTP clients mixing reads, resume generations and improvement runs (cached and fresh), while 100
websocket clients keep subscriptions open (each re-subscribing to `improveResume` as one completes).
Prints throughput, p50/p95/p99 per kind, errors (target: none) and the server's memory before/after.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--subscribers 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import record  # noqa: E402
from bench.improvements import SUBSCRIBE, events_of, open_socket, rss_mib, two_page_resume  # noqa: E402
from bench.run import UNLIMITED, free_port, percentile, upload_resume, wait_ready  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
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


async def setup(client: httpx.AsyncClient) -> tuple[dict[str, str], str, list[str]]:
    signup = await client.post(
        "/graphql", json={"query": 'mutation { register(email: "l@example.com", password: "load password") { token } }'}
    )
    auth = {"Authorization": f"Bearer {signup.json()['data']['register']['token']}"}
    resume_id = await upload_resume(client, auth, two_page_resume().encode(), "r.txt")
    await client.post(
        "/graphql",
        json={
            "query": "mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }",
            "variables": {"id": resume_id},
        },
        headers=auth,
    )
    jobs = []
    for name in ("senior_backend_python", "data_engineer", "frontend_react"):
        created = await client.post(
            "/graphql",
            json={
                "query": "mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }",
                "variables": {"t": (FIXTURES / "jobs" / f"{name}.txt").read_text()},
            },
            headers=auth,
        )
        jobs.append(created.json()["data"]["createJob"]["id"])
    for job_id in jobs:  # warm: embeddings, rankings and a stored improvement per job
        await call(client, GENERATE, {"j": job_id}, auth)
        await call(client, IMPROVE, {"r": resume_id, "j": job_id}, auth)
    return auth, resume_id, jobs


async def run(seconds: float, clients: int, subscribers: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tailor-bench-load-"))
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TAILOR_")}
    env = {
        **inherited,
        **UNLIMITED,
        "TAILOR_DATA_DIR": str(data_dir),
        "TAILOR_PORT": str(port),
        "TAILOR_LOG_LEVEL": "WARNING",
        "TAILOR_LLM_PROVIDER": "local",
    }
    proc = subprocess.Popen([sys.executable, "-m", "graph.server.cli", "serve"], cwd=ROOT, env=env)
    address = f"127.0.0.1:{port}"
    rng = random.Random(11)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    try:
        await wait_ready(f"http://{address}", proc)
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=120, limits=limits) as client:
            auth, resume_id, jobs = await setup(client)
            token = auth["Authorization"].split()[1]
            before = rss_mib(proc.pid)
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
                ws = await open_socket(address, token)
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
            peak = rss_mib(proc.pid)
            await asyncio.sleep(2)
            after = rss_mib(proc.pid)
        total = sum(len(v) for v in latencies.values())
        print(f"\nTailor mixed load — {seconds:.0f} s, {clients} HTTP clients, {subscribers} websocket subscribers")
        print(f"{total} operations, {total / elapsed:.0f}/s, errors: {sum(errors.values())}")
        print(f"{'kind':<24}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for kind, samples in sorted(latencies.items()):
            print(
                f"{kind:<24}{len(samples):>8}{percentile(samples, 0.5):>9.1f}{percentile(samples, 0.95):>9.1f}"
                f"{percentile(samples, 0.99):>9.1f}{errors[kind]:>8}"
            )
            p99 = percentile(samples, 0.99)
            record("load", f"{kind} p50 (p99 {p99:.0f} ms)", percentile(samples, 0.5), p95=percentile(samples, 0.95))
        record("load", "throughput", total / elapsed, "ops/s")
        record("load", "errors", sum(errors.values()), "errors", target="0 errors", met=not sum(errors.values()))
        print(f"server RSS MiB: {before:.1f} before, {peak:.1f} at the end of the load, {after:.1f} two seconds later")
        record("load", "server RSS before", before, "MiB")
        record("load", "server RSS after", after, "MiB")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--subscribers", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.clients, args.subscribers))


if __name__ == "__main__":
    main()
