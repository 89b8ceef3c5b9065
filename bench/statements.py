"""SQL statements per operation, counted in-process over the real app and a temp SQLite file: the
number an N+1 bug would grow. Same data as bench/run.py (a 50-item profile, 30 of it rankable).

    .venv/bin/python bench/statements.py
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import UNLIMITED, bearer, register  # noqa: E402
from bench.figures import record  # noqa: E402
from bench.run import load_jobs, load_profile  # noqa: E402
from graph.server.app import create_app  # noqa: E402
from graph.server.settings import WebSettings  # noqa: E402

RESUME = 'mutation { generateResume(input: {jobId: "%s"}) { id atsScore text } }'
LETTER = 'mutation { generateCoverLetter(input: {jobId: "%s"}) { id atsScore text } }'
RANK = 'mutation { rankContent(input: {jobId: "%s", force: %s}) { cached rankedExperiences { item { id } } } }'
HISTORY = "{ generations(first: 100) { totalCount edges { node { id documentType atsScore jobTitle company } } } }"


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tailor-statements-"))
    lifted = {name.removeprefix("TAILOR_").lower(): int(value) for name, value in UNLIMITED.items()}  # as the servers
    settings = WebSettings(data_dir=data_dir, index_worker=False, log_level="WARNING", argon2_time_cost=1, **lifted)
    app = create_app(settings)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
                auth = bearer(await register(client))
                job_id = await load_jobs(client, auth, 3)
                await load_profile(client, auth)
                await client.post(
                    "/graphql", json={"query": RANK % (job_id, "true")}, headers=auth
                )  # embeddings cached
                for _ in range(100):
                    await client.post("/graphql", json={"query": RESUME % job_id}, headers=auth)
                engine = app.state.services.engine.sync_engine
                print("\nSQL statements per operation (one request, 50-item profile, 100 generations stored)\n")
                print(f"{'operation':<34}{'total':>7}  by kind")
                for name, query in (
                    ("rankContent cold (30 items)", RANK % (job_id, "true")),
                    ("rankContent cached", RANK % (job_id, "false")),
                    ("generateResume", RESUME % job_id),
                    ("generateCoverLetter", LETTER % job_id),
                    ("generations(first: 100)", HISTORY),
                ):
                    statements.clear()
                    event.listen(engine, "before_cursor_execute", count)
                    try:
                        body = (await client.post("/graphql", json={"query": query}, headers=auth)).json()
                    finally:
                        event.remove(engine, "before_cursor_execute", count)
                    if body.get("errors"):
                        raise SystemExit(f"{name} failed: {body['errors']}")
                    kinds = ", ".join(f"{kind} {n}" for kind, n in Counter(statements).most_common())
                    print(f"{name:<34}{len(statements):>7}  {kinds}")
                    record("statements", f"{name}: SQL statements", len(statements), "statements")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
