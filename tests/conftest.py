"""Shared fixtures: a database per backend (SQLite file, PostgreSQL database per run), the app,
an in-process HTTP client, and a real uvicorn server on 127.0.0.1 for websockets."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from sqlalchemy import event, text
from starlette.applications import Starlette

from domain.settings import Settings
from graph.server.app import create_app
from storage import migrate
from storage.db import create_engine
from storage.models import metadata

POSTGRES_ADMIN_URL = os.environ.get("TAILOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_ENABLED = os.environ.get("TAILOR_TEST_POSTGRES", "on").lower() not in {"0", "off", "false", "no"}
REDIS_URL = os.environ.get("TAILOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_SECRET = "test-secret-" + "x" * 40
BACKENDS = ["sqlite", "postgres"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """TAILOR_TEST_POSTGRES=off deselects (does not skip) the PostgreSQL variants, for laptops without it."""
    if POSTGRES_ENABLED:
        return
    deselected = [i for i in items if hasattr(i, "callspec") and "postgres" in i.callspec.params.values()]
    kept = [i for i in items if i not in deselected]
    config.hook.pytest_deselected(items=deselected)
    items[:] = kept


def run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Session fixtures may be set up from inside a running loop: give them a loop of their own."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


# --- PostgreSQL: one database per test run, tables emptied between tests -----------------------


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Creates `tailor_test_<random>` for this run, migrates it, drops it at the end."""
    name = f"tailor_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = _asyncpg_dsn(POSTGRES_ADMIN_URL)
    base, _, _ = admin.rpartition("/")
    url = f"postgresql+asyncpg://{base.removeprefix('postgresql://')}/{name}"

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    run_in_thread(create())
    try:
        yield url
    finally:
        run_in_thread(drop())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every test would be slower)."""
    path = tmp_path_factory.mktemp("template") / "tailor.db"

    async def create() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await engine.dispose()

    run_in_thread(create())
    return path


async def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_database")
        await _empty_postgres(url)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "data" / "tailor.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)  # noqa: ASYNC240 - a small local file, once per test
    return f"sqlite+aiosqlite:///{target}"


# --- The app --------------------------------------------------------------------------------------


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """Test settings: a temp data dir, cheap argon2 (never in production), a fixed secret."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 64,
        "argon2_parallelism": 1,
        "log_json": False,
        "embedding_preload": False,  # loaded by the first test that embeds (once per process), not by every app
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[Starlette]:
    """Runs the app's lifespan (migrations on start, disposal on exit) around a block."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    async with running(create_app(settings)) as started:
        yield started


@asynccontextmanager
async def http_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://tailor.test") as client:
        yield client


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as c:
        yield c


@dataclass
class GraphQL:
    """POSTs operations as JSON and returns the decoded body (asserting a JSON answer)."""

    client: httpx.AsyncClient
    token: str | None = None

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, status: int = 200
    ) -> dict[str, Any]:
        headers = {}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def as_user(self, token: str) -> GraphQL:
        return GraphQL(self.client, token)

    async def upload(
        self, query: str, variables: dict[str, Any], content: bytes, filename: str, *, preflight: bool = True
    ) -> httpx.Response:
        """A GraphQL multipart request: `variables.file` is the uploaded file."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if preflight:
            headers["Apollo-Require-Preflight"] = "true"
        operations = json.dumps({"query": query, "variables": {**variables, "file": None}})
        return await self.client.post(
            "/graphql",
            data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (filename, content, "application/octet-stream")},
            headers=headers,
        )


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)


REGISTER = """
mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) { token expiresAt user { id email role createdAt } }
}"""


async def register(gql: GraphQL, email: str = "ada@example.com", password: str = "correct horse") -> dict[str, Any]:
    body = await gql(REGISTER, {"email": email, "password": password})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["register"]
    return payload


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# --- A real server on 127.0.0.1 (websockets, the CLI) ------------------------------------------------


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


@contextmanager
def statements(app: Starlette, keep: Callable[[str], bool] = lambda _: True) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block (those `keep` accepts): tests count work
    this way, never by timing it."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if keep(statement):
            seen.append(statement)

    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
