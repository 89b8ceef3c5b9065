"""Running the app in a test: its lifespan around a block, an in-process HTTP client, and a real uvicorn
server on 127.0.0.1 (websockets, slow clients, stub LLM endpoints), used by most API tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[Starlette]:
    """Runs the app's lifespan (migrations on start, disposal on exit) around a block."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def http_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tailor.test") as client:
        yield client


@asynccontextmanager
async def live_server(app: Starlette, **config: Any) -> AsyncIterator[str]:
    """uvicorn serving `app` on a free loopback port, in this event loop; yields `host:port`. `config`:
    more of uvicorn's settings (e.g. `http=`, the protocol `tailor serve` installs)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", **config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def http(address: str) -> httpx.AsyncClient:
    """An HTTP client for a live server at `host:port`."""
    return httpx.AsyncClient(base_url=f"http://{address}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
