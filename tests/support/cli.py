"""The `tailor` command in a subprocess, as an operator runs it: the command line, its environment, and a
`tailor serve` process on a free port (the CLI tests, sessions, crash safety, processes sharing a run)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.support.servers import free_port
from tests.support.settings import TEST_SECRET

TAILOR = [sys.executable, "-m", "graph.server.cli"]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAILOR_")}
    env.update(
        {
            "TAILOR_DATA_DIR": str(tmp_path / "data"),
            "TAILOR_ARGON2_TIME_COST": "1",
            "TAILOR_ARGON2_MEMORY_COST_KIB": "64",
            "TAILOR_ARGON2_PARALLELISM": "1",
            "TAILOR_EMBEDDING_PRELOAD": "true",  # as in make_settings: the model loads when first used
            **extra,
        }
    )
    return env


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
