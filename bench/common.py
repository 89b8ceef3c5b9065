"""What the bench scripts share: a real server to measure (uvicorn on 127.0.0.1, a data folder of its own),
an account on it, GraphQL calls and uploads, the jobs in the test fixtures, timing and the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_JOBS = ("senior_backend_python", "data_engineer", "frontend_react")  # tests/fixtures/jobs/<name>.txt

# The bench measures speed, not the per-account budgets and quota (docs/api.md): one bench account makes
# thousands of calls a minute, which a real account's limits would refuse. Every script's server lifts them.
UNLIMITED = {
    **{
        f"TAILOR_{name}": "1000000000"
        for name in (
            "COMPARE_CALLS_PER_WINDOW",
            "COMPARE_CONCURRENCY",
            "IMPROVEMENT_CALLS_PER_WINDOW",
            "IMPROVEMENT_CONCURRENCY",
            "GENERATION_CALLS_PER_WINDOW",
            "GENERATION_CONCURRENCY",
            "LLM_CALLS_PER_WINDOW",
            "LLM_CONCURRENCY",
            "LLM_TOKENS_PER_HOUR",
            "STORAGE_QUOTA_FILES",
            "STORAGE_QUOTA_BYTES",
        )
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(base: str, proc: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("server exited during start-up")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("server did not become ready")


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment for `tailor` commands on `data_dir`: this process's without its TAILOR_ variables,
    the limits lifted, warnings only, then `settings` (`index_worker="false"` sets TAILOR_INDEX_WORKER)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TAILOR_")}
    return {
        **inherited,
        **UNLIMITED,
        "TAILOR_DATA_DIR": str(data_dir),
        "TAILOR_LOG_LEVEL": "WARNING",
        **{f"TAILOR_{key.upper()}": value for key, value in settings.items()},
    }


@dataclass(frozen=True)
class Server:
    address: str  # host:port
    process: subprocess.Popen[bytes]
    data_dir: Path
    env: dict[str, str]  # what it was started with, for other `tailor` commands on the same data

    @property
    def base(self) -> str:
        return f"http://{self.address}"


@asynccontextmanager
async def running(data_dir: Path | None = None, **settings: str) -> AsyncIterator[Server]:
    """A real Tailor (`tailor serve`) on a free port, ready. Its data folder is `data_dir`, kept, or else
    a temporary one, removed after; `settings` as for `environment`."""
    folder = data_dir or Path(tempfile.mkdtemp(prefix="tailor-bench-"))
    port = free_port()
    env = environment(folder, **settings) | {"TAILOR_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "graph.server.cli", "serve"], cwd=ROOT, env=env)
    tailor = Server(f"127.0.0.1:{port}", proc, folder, env)
    try:
        await wait_ready(tailor.base, proc)
        yield tailor
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def server(**settings: str) -> AsyncIterator[str]:
    """`running` without the background indexer (it would embed the loaded data while we measure:
    bench/embeddings.py covers it); yields the server's address."""
    async with running(**{"index_worker": "false", **settings}) as tailor:
        yield tailor.base


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, auth: dict[str, str]) -> Any:
    """The `data` of a GraphQL call; the script stops on any error."""
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"request failed: {response.status_code} {body}")
    return body["data"]


async def register(client: httpx.AsyncClient, email: str = "bench@example.com") -> str:
    """A new account's token."""
    mutation = 'mutation ($e: String!) { register(email: $e, password: "bench password") { token } }'
    data = await post(client, mutation, {"e": email}, {})
    return str(data["register"]["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def upload(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    mutation: str,
    content: bytes,
    filename: str,
    media_type: str = "application/octet-stream",
) -> httpx.Response:
    """A GraphQL multipart request: `mutation` with `content` as its `$file` variable."""
    return await client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": mutation, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (filename, content, media_type)},
        headers={**auth, "Apollo-Require-Preflight": "true"},
    )


async def upload_resume(client: httpx.AsyncClient, auth: dict[str, str], content: bytes, filename: str) -> str:
    """Upload a plain-text resume and return its id."""
    mutation = "mutation ($file: Upload!) { uploadResume(file: $file) { resume { id } } }"
    response = await upload(client, auth, mutation, content, filename, "text/plain")
    resume_id: str = response.json()["data"]["uploadResume"]["resume"]["id"]
    return resume_id


async def create_job(client: httpx.AsyncClient, auth: dict[str, str], text: str) -> str:
    data = await post(client, "mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", {"t": text}, auth)
    return str(data["createJob"]["id"])


async def create_fixture_jobs(client: httpx.AsyncClient, auth: dict[str, str], *names: str) -> list[str]:
    """The named postings of tests/fixtures/jobs (all of `FIXTURE_JOBS` by default), saved; their ids."""
    return [
        await create_job(client, auth, (FIXTURES / "jobs" / f"{name}.txt").read_text())
        for name in names or FIXTURE_JOBS
    ]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    """Milliseconds each of `n` calls took, one after the other."""
    samples = []
    for _ in range(n):
        started_at = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started_at) * 1000)
    return samples


def options(doc: str | None, **defaults: float) -> argparse.Namespace:
    """The script's command line: a `--name` for each default, of the default's type."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args()
