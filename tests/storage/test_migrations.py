"""Migrations run the same on SQLite and PostgreSQL, and match the ORM models exactly."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import StatementError

from storage import migrate
from storage.accounts import User
from storage.db import create_engine, session_factory, transaction
from storage.models import metadata
from tests.support.databases import POSTGRES_ADMIN_URL, asyncpg_dsn


@pytest.fixture
async def fresh_url(backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty database of the backend, not migrated."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"tailor_mig_{secrets.token_hex(4)}"
    admin = asyncpg_dsn(POSTGRES_ADMIN_URL)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = admin.rpartition("/")[0].removeprefix("postgresql://")
    try:
        yield f"postgresql+asyncpg://{base}/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        await migrate.downgrade(engine)
        assert await migrate.current_revision(engine) is None
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()


async def test_models_match_the_migrations(fresh_url: str) -> None:
    """A model change without a migration fails here."""
    engine = create_engine(fresh_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_agree(fresh_url: str) -> None:
    """Several workers starting at once must not trip over each other."""
    engines = [create_engine(fresh_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate.upgrade(e) for e in engines))
        assert await migrate.current_revision(engines[0]) == migrate.head_revision()
    finally:
        for e in engines:
            await e.dispose()


async def test_timestamps_come_back_as_utc(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        plus_two = datetime(2026, 1, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        async with transaction(sessions) as session:
            session.add(User(email="t@example.com", password_hash="x", created_at=plus_two, updated_at=plus_two))
        async with sessions() as session:
            user = await session.scalar(select(User))
        assert user is not None
        assert user.created_at.tzinfo is UTC or user.created_at.utcoffset() == timedelta(0)
        assert user.created_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
        with pytest.raises(StatementError, match="naive datetime"):
            async with transaction(sessions) as session:
                session.add(User(email="n@example.com", password_hash="x", created_at=datetime(2026, 1, 1)))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
