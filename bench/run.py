"""Benchmark harness: starts the real server (uvicorn, 127.0.0.1, a temp data dir) and prints
p50/p95 latency and requests/s per operation, with ratios against `{ __typename }` measured in
the same run. Bounded: a fixed number of requests per operation. Never part of CI.

    make bench                      # defaults
    .venv/bin/python bench/run.py --requests 2000 --concurrency 16
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from graphql import get_introspection_query

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bearer, create_job, options, percentile, register, server  # noqa: E402
from bench.figures import record  # noqa: E402

TARGETS = {"generateResume (30 items)": ("p50 ≤ 25 ms", 25.0)}  # from the tailoring issue


@dataclass
class Operation:
    name: str
    query: str
    variables: dict[str, Any] | None = None
    authenticated: bool = False
    by_hash: bool = False  # sent as an automatic persisted query: the hash alone, the query registered first


@dataclass
class Figures:
    name: str
    p50_ms: float
    p95_ms: float
    rps: float


async def measure(
    client: httpx.AsyncClient, op: Operation, headers: dict[str, str], requests: int, concurrency: int
) -> Figures:
    body: dict[str, Any] = {"query": op.query, "variables": op.variables}
    if op.by_hash:
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(op.query.encode()).hexdigest()}}
        await client.post("/graphql", json={**body, "extensions": persisted}, headers=headers)  # registers it
        body = {"variables": op.variables, "extensions": persisted}

    async def one() -> float:
        started = time.perf_counter()
        response = await client.post("/graphql", json=body, headers=headers)
        elapsed = time.perf_counter() - started
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            raise SystemExit(f"{op.name} failed: {response.status_code} {payload}")
        return elapsed

    for _ in range(min(50, requests)):  # warm caches and connections
        await one()
    latencies = [await one() for _ in range(requests)]  # sequential: latency without queueing

    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rps = requests / (time.perf_counter() - started)
    return Figures(op.name, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.95) * 1000, rps)


POSTING = """{title} — {company}
Location: {city}

Requirements
- {years}+ years building services in Python and PostgreSQL.
- Experience with Docker, Kubernetes and AWS.
- Strong SQL and data modeling.

Nice to have
- GraphQL, Redis, Terraform.
"""
JOB_FIELDS = "id title company location level yearsRequired skills requirements keywords { term weight }"


async def load_jobs(client: httpx.AsyncClient, auth: dict[str, str], count: int) -> str:
    """`count` saved jobs; returns the id of the first."""
    ids = [
        await create_job(
            client,
            auth,
            POSTING.format(title=f"Backend Engineer {i}", company=f"Company {i}", city="Austin, TX", years=1 + i % 8),
        )
        for i in range(count)
    ]
    return ids[0]


PROFILE_ITEMS = {
    'addExperience(input: {title: "Engineer", company: "Acme", startMonth: "2020-01", endMonth: "2021-06", '
    'description: "Built services", highlights: ["Cut latency 40%"], skills: ["python"]})': 10,
    'addProject(input: {name: "Tailor", technologies: ["python", "k8s"]})': 10,
    'addSkill(input: {name: "postgres", level: EXPERT})': 10,
    'addEducation(input: {institution: "State University", degree: "BSc", gpa: 3.7})': 10,
    'addCertification(input: {name: "CKA", issuedMonth: "2022-05"})': 10,
}
PROFILE_QUERY = """{ profile { id fullName summary totalExperienceYears links { label url }
  experiences { id title company startMonth endMonth description highlights skills enhancedDescription }
  projects { id name description technologies url } skills { id name category level }
  education { id institution degree gpa } certifications { id name issuedMonth } } }"""


async def load_profile(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    """A 50-item profile: 15 experiences and 15 projects (30 to rank), 10 skills, 5 degrees, 5 certifications."""
    await client.post(
        "/graphql", json={"query": 'mutation { updateProfile(input: {fullName: "Bench"}) { id } }'}, headers=auth
    )
    for mutation, count in PROFILE_ITEMS.items():
        for _ in range(count):
            response = await client.post(
                "/graphql", json={"query": f"mutation {{ {mutation} {{ id }} }}"}, headers=auth
            )
            if response.json().get("errors"):
                raise SystemExit(f"loading the profile failed: {response.json()}")


# What GraphiQL, Apollo's devtools and graphql-codegen send (graphql-core's copy of graphql-js's query).
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)


async def operations(client: httpx.AsyncClient, auth: dict[str, str]) -> list[Operation]:
    """What is measured; the first is the floor the others are compared with. Features add theirs here
    (loading the data they need through `client` first)."""
    job_id = await load_jobs(client, auth, 120)
    await load_profile(client, auth)
    rank = 'mutation ($force: Boolean!) { rankContent(input: {jobId: "%s", force: $force}) { cached rationale } }'
    return [
        Operation("{ __typename }", "{ __typename }"),
        Operation("introspection (full)", INTROSPECTION),
        Operation("me (with token)", "{ me { id email role createdAt } }", authenticated=True),
        Operation("me by persisted hash", "{ me { id email role createdAt } }", authenticated=True, by_hash=True),
        Operation("profile (50 items)", PROFILE_QUERY, authenticated=True),
        Operation("rankContent cold (30 items)", rank % job_id, {"force": True}, authenticated=True),
        Operation("rankContent cached", rank % job_id, {"force": False}, authenticated=True),
        Operation(
            "generateResume (30 items)",
            "mutation ($job: ID!) { generateResume(input: {jobId: $job}) { id atsScore text } }",
            {"job": job_id},
            authenticated=True,
        ),
        Operation(
            "generations(first: 100)",
            "{ generations(first: 100) { totalCount edges { node { id documentType atsScore jobTitle company } } } }",
            authenticated=True,
        ),
        Operation(
            "jobs(first: 100)",
            f"{{ jobs(first: 100) {{ totalCount edges {{ cursor node {{ {JOB_FIELDS} }} }} }} }}",
            authenticated=True,
        ),
    ]


async def run(requests: int, concurrency: int) -> list[Figures]:
    async with server() as base:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            auth = bearer(await register(client))
            return [
                await measure(client, op, auth if op.authenticated else {}, requests, concurrency)
                for op in await operations(client, auth)
            ]


def report(figures: list[Figures], requests: int, concurrency: int) -> None:
    floor = figures[0]
    print(
        f"\nTailor bench — {requests} requests per operation; sequential latency, then {concurrency} concurrent clients"
    )
    print("(the httpx client shares this machine's cores with the server: req/s is a floor, not a ceiling)\n")
    print(f"{'operation':<28}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'p50 × floor':>13}{'req/s ÷ floor':>15}")
    for f in figures:
        print(
            f"{f.name:<28}{f.p50_ms:>9.2f}{f.p95_ms:>9.2f}{f.rps:>9.0f}"
            f"{f.p50_ms / floor.p50_ms:>13.2f}{f.rps / floor.rps:>15.2f}"
        )
        target = TARGETS.get(f.name)
        met = None if target is None else f.p50_ms <= target[1]
        record("run", f.name, f.p50_ms, p95=f.p95_ms, floor=floor.p50_ms, target=target and target[0], met=met)
        record("run", f"{f.name} throughput", f.rps, "req/s")


def main() -> None:
    args = options(__doc__, requests=500, concurrency=16)
    figures = asyncio.run(run(args.requests, args.concurrency))
    report(figures, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
