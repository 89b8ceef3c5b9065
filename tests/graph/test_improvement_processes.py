"""Improvement runs across real server processes (`tailor serve`): a process killed mid-run leaves no
half-written improvement and its run is marked INTERRUPTED on the next start; two processes sharing
PostgreSQL and Redis keep one run per pair and stream every event to subscribers on either."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.support.cli import serve
from tests.support.client import GraphQL
from tests.support.databases import REDIS_URL
from tests.support.improvements import MUTATE, RUN, STAGES, STORED, check_run, collect, subscribe
from tests.support.llm_stub import Model, groq_stub
from tests.support.people import person
from tests.support.waiting import wait_until
from tests.support.websockets import socket


@asynccontextmanager
async def reads_of(prefix: str) -> AsyncIterator[list[str]]:
    """The keys starting with `prefix` that Redis is asked to GET while the block runs (seen through
    MONITOR, so whichever process asks). A caller that joins a run reads the run's latest event first
    (`<key prefix>last:<channel>`) once it listens: each such GET is one more follower of the run."""
    client = Redis.from_url(REDIS_URL)
    seen: list[str] = []
    try:
        async with client.monitor() as monitor:

            async def read() -> None:
                async for command in monitor.listen():
                    words = command["command"].split(" ")
                    if len(words) == 2 and words[0].upper() == "GET" and words[1].startswith(prefix):
                        seen.append(words[1])

            reader = asyncio.create_task(read())
            try:
                yield seen
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
    finally:
        await client.aclose()


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
    key_prefix = f"test-{uuid.uuid4().hex}:"
    latest_event = f"{key_prefix}last:"  # the key a joiner reads its first event from, per pair
    async with groq_stub(model) as base_url:
        shared = {
            **groq_env(base_url),
            "TAILOR_DATABASE_URL": database_url,
            "TAILOR_REDIS_URL": REDIS_URL,
            "TAILOR_REDIS_KEY_PREFIX": key_prefix,
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
                    async with reads_of(latest_event) as joiners:
                        await subscribe(ws_b, sam.pair())
                        mutation = asyncio.create_task(sam_on_b(MUTATE, sam.pair(again=True)))
                        # B's subscriber and mutation join while the run waits: each reads its latest event.
                        await wait_until(lambda: len(joiners) >= 2, 30, what="B's subscriber and mutation to join")
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
                async with reads_of(latest_event) as joiners:
                    both = asyncio.gather(sam.gql(MUTATE, sam.pair(again=True)), sam_on_b(MUTATE, sam.pair(again=True)))
                    # One starts the run (held at its first model call), the other joins it.
                    await wait_until(lambda: len(joiners) >= 1, 30, what="the second caller to join the run")
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
