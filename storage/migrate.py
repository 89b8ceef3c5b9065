"""Apply Alembic migrations on the app's own async engine (on start and by `tailor migrate`)."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
PG_LOCK_KEY = 7_361_726  # any constant: serialises migrations of processes starting together


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """SQLite has no advisory locks: serialise migrating processes on a lock file beside the db."""
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)  # waiting must not block the loop
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _run(engine: AsyncEngine, action: str, revision: str) -> None:
    def apply(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    if engine.dialect.name == "sqlite":
        async with _sqlite_file_lock(engine):
            async with engine.begin() as conn:
                await conn.run_sync(apply)
    else:
        async with engine.begin() as conn:
            await conn.run_sync(apply)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to call from several processes at once."""
    await _run(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _run(engine, "downgrade", revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
