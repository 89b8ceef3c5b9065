"""Shared fixtures: a database per backend (SQLite file, PostgreSQL database per run), the app,
an in-process HTTP client and a GraphQL client on it. Fixtures and hooks only: what tests share besides
fixtures is in tests/support/."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from graph.server.app import create_app
from graph.server.settings import WebSettings
from storage import migrate
from storage.db import create_engine
from tests.support.client import GraphQL
from tests.support.databases import (
    BACKENDS,
    POSTGRES_ADMIN_URL,
    POSTGRES_ENABLED,
    asyncpg_dsn,
    empty_postgres,
    run_in_thread,
)
from tests.support.servers import http_client, running
from tests.support.settings import make_settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """TAILOR_TEST_POSTGRES=off deselects (does not skip) the PostgreSQL variants, for laptops without it."""
    if POSTGRES_ENABLED:
        return
    deselected = [i for i in items if hasattr(i, "callspec") and "postgres" in i.callspec.params.values()]
    kept = [i for i in items if i not in deselected]
    config.hook.pytest_deselected(items=deselected)
    items[:] = kept


# --- PostgreSQL: one database per test run, tables emptied between tests -----------------------


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Creates `tailor_test_<random>` for this run, migrates it, drops it at the end."""
    name = f"tailor_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = asyncpg_dsn(POSTGRES_ADMIN_URL)
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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_database")
        await empty_postgres(url)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "data" / "tailor.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)  # noqa: ASYNC240 - a small local file, once per test
    return f"sqlite+aiosqlite:///{target}"


# --- The app --------------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> WebSettings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def app(settings: WebSettings) -> AsyncIterator[Starlette]:
    async with running(create_app(settings)) as started:
        yield started


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as c:
        yield c


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)
