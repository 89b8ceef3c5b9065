"""Session stamps through Redis: two server processes (two apps on one database and one Redis) see each
other's sign-outs, password changes, role changes and deletions within `session_check_seconds`, and
while Redis holds an account's stamp no process reads it from the database (statements counted)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from domain.session_stamps import SessionStamps
from graph.server.app import build_services, create_app
from storage.accounts import Stamp
from storage.stamps import RedisStampStore
from tests.support.client import GraphQL
from tests.support.databases import REDIS_URL
from tests.support.operations import CHANGE, DELETE_ACCOUNT, ME, SIGN_OUT
from tests.support.people import register
from tests.support.servers import http_client, live_server, running
from tests.support.settings import make_settings
from tests.support.statements import statements
from tests.support.websockets import closed_with, run, socket

PERIOD = 0.2  # session_check_seconds of the apps here


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    """The test Redis and a key prefix of this test's own (its keys are deleted afterwards)."""
    prefix = f"tailor-test:{secrets.token_hex(6)}:"
    client = Redis.from_url(REDIS_URL)
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def stamp_reads(app: Starlette) -> AbstractContextManager[list[str]]:
    """The stamp queries (two columns of `users` by id) the app's engine runs inside the block."""
    return statements(app, lambda s: "users.session_version, users.role" in s)


def shared_settings(tmp_path: Path, database_url: str, prefix: str) -> Any:
    return make_settings(
        tmp_path, database_url, redis_url=REDIS_URL, redis_key_prefix=prefix, session_check_seconds=PERIOD
    )


@asynccontextmanager
async def two_processes(tmp_path: Path, database_url: str, prefix: str) -> AsyncIterator[tuple[Starlette, Starlette]]:
    settings = shared_settings(tmp_path, database_url, prefix)
    async with running(create_app(settings)) as one, running(create_app(settings)) as two:
        yield one, two


async def shared(redis: Redis, prefix: str, user_id: str) -> str | None:
    raw = await redis.get(f"{prefix}stamp:{user_id}")
    return None if raw is None else raw.decode()


async def until(check: Any, what: str) -> None:
    """Polls `check` (no fixed sleep) for at most five periods."""
    deadline = time.monotonic() + 5 * PERIOD + 1
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(PERIOD / 10)


async def test_a_sign_out_in_one_process_reaches_the_other_through_redis(
    tmp_path: Path, database_url: str, redis: tuple[Redis, str]
) -> None:
    client, prefix = redis
    settings = shared_settings(tmp_path, database_url, prefix)
    two = create_app(settings)  # served below, by uvicorn (which runs its lifespan)
    async with running(create_app(settings)) as one, http_client(one) as http:
        registered = await register(GraphQL(http))
        token, user_id = registered["token"], registered["user"]["id"]
        assert await one.state.services.accounts.stamps.get(user_id) == Stamp(0, "USER")  # a miss: read, shared
        assert await shared(client, prefix, user_id) == "0:USER"
        async with live_server(two) as address, socket(address, token) as ws:
            store = two.state.services.accounts.stamps._store
            with stamp_reads(two) as statements:
                gets = store.gets
                for i in range(4):  # four periods of operations: each period one GET, no SQL
                    assert (await run(ws, ME, str(i)))["data"]["me"]["id"] == user_id
                    await asyncio.sleep(PERIOD * 1.2)
                assert store.gets - gets >= 4
                assert statements == []
                signed_out = time.monotonic()
                assert (await GraphQL(http, token)(SIGN_OUT))["data"] == {"signOutEverywhere": True}
                assert await shared(client, prefix, user_id) == "1:USER"  # written before the answer came
                code, reason = await closed_with(ws)  # the other process's watch, through Redis
                assert code == 4403 and "log in again" in reason
                assert time.monotonic() - signed_out < 3 * PERIOD + 0.5
                assert statements == []  # it never asked the database
        assert two.state.services.accounts.stamps.reads == 0


async def test_every_change_of_an_account_rewrites_its_shared_stamp(
    tmp_path: Path, database_url: str, redis: tuple[Redis, str]
) -> None:
    client, prefix = redis
    async with two_processes(tmp_path, database_url, prefix) as (one, two), http_client(one) as http:
        registered = await register(GraphQL(http), "boss@example.com")
        token, user_id = registered["token"], registered["user"]["id"]
        watcher = two.state.services.accounts.stamps

        async def seen_by_two(expected: Stamp | None) -> None:
            async def check() -> bool:
                return await watcher.get(user_id) == expected

            await until(check, f"the other process did not see {expected}")

        operator = build_services(one.state.services.settings)  # the CLI: a process of its own
        try:
            await operator.accounts.set_role("boss@example.com", "ADMIN")
            assert await shared(client, prefix, user_id) == "0:ADMIN"
            await seen_by_two(Stamp(0, "ADMIN"))
            await operator.accounts.reset_password("boss@example.com", "battery staple")
            assert await shared(client, prefix, user_id) == "1:ADMIN"
            await seen_by_two(Stamp(1, "ADMIN"))
        finally:
            await operator.aclose()
        fresh = await GraphQL(http)(
            'mutation { login(email: "boss@example.com", password: "battery staple") { token } }'
        )
        token = fresh["data"]["login"]["token"]
        changed = await GraphQL(http, token)(CHANGE, {"current": "battery staple", "new": "correct horse"})
        token = changed["data"]["changePassword"]["token"]
        assert await shared(client, prefix, user_id) == "2:ADMIN"
        await seen_by_two(Stamp(2, "ADMIN"))
        assert (await GraphQL(http, token)(DELETE_ACCOUNT, {"p": "correct horse"}))["data"] == {"deleteAccount": True}

        async def tombstone() -> bool:
            return await shared(client, prefix, user_id) == "gone"

        await until(tombstone, "the deletion did not reach Redis")
        await seen_by_two(None)
        assert watcher.reads == 0  # the other process learnt all of it from Redis


async def test_a_read_racing_a_change_cannot_put_an_older_stamp_back(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    store = RedisStampStore(client, prefix=prefix, ttl_seconds=60)
    await store.offer("a", Stamp(0, "USER"))  # a reader fills the miss
    await store.publish("a", Stamp(1, "USER"))  # a sign-out commits
    await store.offer("a", Stamp(0, "USER"))  # a read from before the commit arrives late: ignored
    assert await store.get("a") == (True, Stamp(1, "USER"))
    await store.publish("a", Stamp(1, "ADMIN"))  # a role change keeps the version: the writer wins
    await store.offer("a", Stamp(1, "USER"))  # a reader that read before it does not
    assert await store.get("a") == (True, Stamp(1, "ADMIN"))
    await store.publish("a", Stamp(0, "USER"))  # a slower, older writer: ignored
    assert await store.get("a") == (True, Stamp(1, "ADMIN"))
    await store.publish("a", None)  # deleted: nothing brings the account back
    await store.offer("a", Stamp(2, "USER"))
    await store.publish("a", Stamp(3, "USER"))
    assert await store.get("a") == (True, None)
    assert await store.get("b") == (False, None)
    assert 0 < await client.ttl(f"{prefix}stamp:a") <= 60


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_without_redis_the_database_answers(tmp_path: Path, database_url: str) -> None:
    """Redis unreachable: stamps are read from the database, as without Redis (and nothing fails)."""
    async with running(create_app(make_settings(tmp_path, database_url))) as app, http_client(app) as http:
        user_id = (await register(GraphQL(http)))["user"]["id"]
        down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
        try:
            stamps = SessionStamps(app.state.services.sessions, PERIOD, store=RedisStampStore(down, prefix="x:"))
            assert await stamps.get(user_id) == Stamp(0, "USER")
            assert stamps.reads == 1
            await stamps.changed(user_id, Stamp(1, "USER"))  # logged, not raised
        finally:
            await down.aclose()
