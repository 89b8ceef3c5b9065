"""Crash safety: a real `tailor serve` is killed with SIGKILL while clients upload resumes, save jobs and
generate resumes (and the background worker writes the index). After a restart the database is
consistent, every answer a client received is still true, every stored resume has its file, and the
outbox heals the index so it holds exactly the jobs SQL holds."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from storage.vectors import VectorIndex
from tests.support.cli import serve
from tests.support.client import GraphQL
from tests.support.operations import RESUME, UPLOAD
from tests.support.texts import FIXTURES, WEAK_RESUME

JOB = (FIXTURES / "jobs" / "senior_backend_python.txt").read_text()


async def workload(gql: GraphQL, acknowledged: dict[str, list[str]], stop: asyncio.Event) -> None:
    """Uploads, jobs and generations, one after another, recording every id a response confirmed."""
    i = 0
    while not stop.is_set():
        i += 1
        try:
            content = (WEAK_RESUME + f"\n- Volunteer note {i}\n").encode()
            uploaded = (await gql.upload(UPLOAD, {}, content, f"r{i}.txt")).json()
            acknowledged["resume"].append(uploaded["data"]["uploadResume"]["resume"]["id"])
            job = await gql("mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", {"t": JOB + f"\n{i}"})
            acknowledged["job"].append(job["data"]["createJob"]["id"])
            generated = await gql(RESUME, {"input": {"jobId": acknowledged["job"][-1]}})
            acknowledged["generation"].append(generated["data"]["generateResume"]["id"])
        except (httpx.TransportError, KeyError, TypeError, ValueError):
            return  # the server died mid-request: that answer never came


async def test_a_killed_server_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    acknowledged: dict[str, list[str]] = {"resume": [], "job": [], "generation": []}
    async with serve(tmp_path, "server") as (proc, address):
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            gql = GraphQL(client)
            token = (await gql('mutation { register(email: "c@example.com", password: "correct horse") { token } }'))[
                "data"
            ]["register"]["token"]
            me = GraphQL(client, token)
            first = (await me.upload(UPLOAD, {}, WEAK_RESUME.encode(), "first.txt")).json()
            first_id = first["data"]["uploadResume"]["resume"]["id"]
            imported = await me(
                "mutation ($id: ID!) { importProfileFromResume(resumeId: $id, mode: REPLACE) { added } }",
                {"id": first_id},
            )
            assert "errors" not in imported, imported
            stop = asyncio.Event()
            workers = [asyncio.create_task(workload(me, acknowledged, stop)) for _ in range(3)]
            for _ in range(1200):  # until a few full rounds were answered
                if len(acknowledged["generation"]) >= 6:
                    break
                await asyncio.sleep(0.05)
            proc.kill()  # mid-flight: requests, commits and index writes are under way
            proc.wait(timeout=30)
            stop.set()
            await asyncio.gather(*workers)
    assert len(acknowledged["generation"]) >= 6

    database = tmp_path / "server" / "data" / "tailor.db"
    async with serve(tmp_path, "server") as (_, address):
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as client:
            me = GraphQL(client, token)
            for kind, query in [
                ("resume", "query ($id: ID!) { resume(id: $id) { id } }"),
                ("job", "query ($id: ID!) { job(id: $id) { id } }"),
                ("generation", "query ($id: ID!) { generation(id: $id) { id } }"),
            ]:
                for item in acknowledged[kind]:
                    body: dict[str, Any] = await me(query, {"id": item})
                    assert body.get("data") and body["data"][kind]["id"] == item, (kind, item, body)
            for _ in range(600):  # the start-up drain heals what the kill interrupted
                with sqlite3.connect(database) as conn:
                    if not conn.execute("SELECT count(*) FROM index_outbox").fetchone()[0]:
                        break
                await asyncio.sleep(0.1)
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM index_outbox").fetchone()[0] == 0
        digests = [row[0] for row in conn.execute("SELECT content_hash FROM resumes")]
        jobs = {row[0] for row in conn.execute("SELECT id FROM jobs")}
    blobs = tmp_path / "server" / "data" / "blobs"
    assert all((blobs / d[:2] / d[2:4] / d).is_file() for d in digests)  # no row without its file
    index = VectorIndex.open(tmp_path / "server" / "data")
    assert await index.ids("jobs_private") == jobs  # every job indexed, nothing stale
