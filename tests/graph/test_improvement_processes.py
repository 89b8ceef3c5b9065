"""Improvement runs across real server processes (`tailor serve`): a process killed mid-run leaves no
half-written improvement and its run is marked INTERRUPTED on the next start; two processes sharing
PostgreSQL and Redis keep one run per pair and stream every event to subscribers on either."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_URL, TEST_SECRET, GraphQL, free_port
from tests.graph.test_improvements import (
    MUTATE,
    RUN,
    STAGES,
    STORED,
    Model,
    check_run,
    collect,
    groq_stub,
    person,
    socket,
    subscribe,
)
from tests.test_cli import TAILOR, cli_env


@asynccontextmanager
async def serve(tmp_path: Path, name: str, **env: str) -> AsyncIterator[tuple[subprocess.Popen[str], str]]:
    """`tailor serve` in its own process on a free port, its output in a file; yields (process, host:port)."""
    port = free_port()
    log = (tmp_path / f"{name}.log").open("a")  # noqa: SIM115 - closed below, after the process
    environment = cli_env(tmp_path / name, TAILOR_PORT=str(port), TAILOR_JWT_SECRET=TEST_SECRET, **env)
    proc = subprocess.Popen([*TAILOR, "serve"], env=environment, stdout=log, stderr=subprocess.STDOUT, text=True)
    address = f"127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / f"{name}.log").read_text()
                await asyncio.sleep(0.1)
        yield proc, address
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


def groq_env(base_url: str) -> dict[str, str]:
    return {"GROQ_API_KEY": "gsk_test", "TAILOR_GROQ_BASE_URL": base_url, "TAILOR_GROQ_MAX_ATTEMPTS": "1"}


async def test_a_killed_process_leaves_no_half_written_improvement(tmp_path: Path) -> None:
    model = Model()
    async with groq_stub(model) as base_url:
        env = groq_env(base_url)
        async with serve(tmp_path, "server", **env) as (proc, address):
            async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
                sam = await person(client)
                stored = (await sam.gql(MUTATE, sam.pair()))["data"]["improveResume"]
                model.hold = asyncio.Event()  # the next run stops at its first model call
                async with socket(address, sam.token) as ws:
                    await subscribe(ws, sam.pair(again=True))
                    events, _ = await collect(ws, until="SUGGEST")
                    proc.kill()
                    proc.wait(timeout=30)
        model.hold.set()
        async with serve(tmp_path, "server", **env) as (_, address):
            async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
                gql = GraphQL(client, sam.token)
                run = (await gql(RUN, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvementRun"]
                assert run["id"] == events[0]["runId"] and run["status"] == "INTERRUPTED"
                assert run["stage"] == "SUGGEST" and run["error"]["code"] == "INTERNAL" and run["finishedAt"]
                assert (await gql(STORED, {"r": sam.resume_id, "j": sam.job_id}))["data"]["improvement"] == stored
                assert (await gql(MUTATE, sam.pair()))["data"]["improveResume"] == stored
                # A new run goes through, replacing it.
                again = (await gql(MUTATE, sam.pair(again=True)))["data"]["improveResume"]
                assert again["id"] == stored["id"] and again["updatedAt"] > stored["updatedAt"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_processes_share_runs_through_redis_and_postgresql(tmp_path: Path, database_url: str) -> None:
    model = Model(hold=asyncio.Event())  # runs wait at their first model call until released
    async with groq_stub(model) as base_url:
        shared = {
            **groq_env(base_url),
            "TAILOR_DATABASE_URL": database_url,
            "TAILOR_REDIS_URL": REDIS_URL,
            "TAILOR_REDIS_KEY_PREFIX": f"test-{uuid.uuid4().hex}:",
        }
        async with serve(tmp_path, "a", **shared) as (_, a), serve(tmp_path, "b", **shared) as (_, b):
            async with (
                httpx.AsyncClient(base_url=f"http://{a}", timeout=60) as on_a,
                httpx.AsyncClient(base_url=f"http://{b}", timeout=60) as on_b,
            ):
                sam = await person(on_a)
                sam_on_b = GraphQL(on_b, sam.token)
                async with socket(a, sam.token) as ws_a, socket(b, sam.token) as ws_b:
                    await subscribe(ws_a, sam.pair())
                    started, _ = await collect(ws_a, until="SUGGEST")
                    await subscribe(ws_b, sam.pair())
                    mutation = asyncio.create_task(sam_on_b(MUTATE, sam.pair(again=True)))
                    await asyncio.sleep(1.5)  # B's subscriber and mutation join while the run waits
                    model.hold.set()
                    on_b_events, errors = await collect(ws_b)
                    rest, _ = await collect(ws_a)
                assert errors == []
                every = started + rest
                improvement = check_run(every)
                assert on_b_events[0]["stage"] in ("SUGGEST", "REWRITE")
                assert on_b_events == every[STAGES.index(on_b_events[0]["stage"]) :]  # every event from there on
                joined = (await mutation)["data"]["improveResume"]
                assert joined["id"] == improvement["id"] and joined["updatedAt"] == improvement["updatedAt"]
                assert sum("suggestions" in p for p in model.prompts) == 1

                # Both processes asked at once: still one run.
                model.prompts.clear()
                model.hold = asyncio.Event()
                both = asyncio.gather(sam.gql(MUTATE, sam.pair(again=True)), sam_on_b(MUTATE, sam.pair(again=True)))
                await asyncio.sleep(1.5)
                model.hold.set()
                first, second = await both
                assert first["data"]["improveResume"] == second["data"]["improveResume"]
                assert sum("suggestions" in p for p in model.prompts) == 1
                run: dict[str, Any] = (await sam_on_b(RUN, {"r": sam.resume_id, "j": sam.job_id}))["data"][
                    "improvementRun"
                ]
                assert run["status"] == "COMPLETED" and run["analyzeAgain"]

                # An automatic persisted query registered on A runs by its hash alone on B (through Redis).
                query = "query Mine { me { email } }"
                persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256(query.encode()).hexdigest()}}
                auth = {"Authorization": f"Bearer {sam.token}"}
                first = await on_b.post("/graphql", json={"extensions": persisted}, headers=auth)
                assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
                registered = await on_a.post("/graphql", json={"query": query, "extensions": persisted}, headers=auth)
                assert registered.json() == {"data": {"me": {"email": "sam@example.com"}}}
                by_hash = await on_b.get("/graphql", params={"extensions": json.dumps(persisted)}, headers=auth)
                assert by_hash.json() == {"data": {"me": {"email": "sam@example.com"}}}
    assert os.environ.get("TAILOR_REDIS_URL") is None  # the test servers had their own settings
