"""The databases the tests run against (PostgreSQL and Redis, from the environment) and the helpers the
database fixtures in conftest.py use, here so that tests needing a server of their own find the same ones."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text

from storage.db import create_engine
from storage.models import metadata

POSTGRES_ADMIN_URL = os.environ.get("TAILOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_ENABLED = os.environ.get("TAILOR_TEST_POSTGRES", "on").lower() not in {"0", "off", "false", "no"}
REDIS_URL = os.environ.get("TAILOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", "postgres"]


def run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Session fixtures may be set up from inside a running loop: give them a loop of their own."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def empty_postgres(url: str) -> None:
    """Empties every table (between tests: one database per run, migrated once)."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    await engine.dispose()
