"""Rate-limit counters: in memory and in the Redis server of this machine."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from storage.counters import Counters, MemoryCounters, RedisCounters
from tests.support.databases import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[Counters]:
    if request.param == "memory":
        yield MemoryCounters()
        return
    redis = Redis.from_url(REDIS_URL)
    prefix = f"tailor-test:{secrets.token_hex(6)}:"
    try:
        yield RedisCounters(redis, prefix=prefix)
    finally:
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_counts_within_a_window(counters: Counters) -> None:
    assert (await counters.hit("k", 60))[0] == 1
    count, remaining = await counters.hit("k", 60)
    assert count == 2 and 0 < remaining <= 60
    assert (await counters.hit("k", 60))[0] == 3
    assert (await counters.hit("other", 60))[0] == 1


async def test_amounts_add_up_and_zero_only_reads(counters: Counters) -> None:
    assert (await counters.hit("tokens", 60, 350))[0] == 350
    assert (await counters.hit("tokens", 60, 0))[0] == 350
    assert (await counters.hit("tokens", 60, 200))[0] == 550


async def test_concurrent_hits_are_all_counted(counters: Counters) -> None:
    counts = await asyncio.gather(*(counters.hit("k", 60) for _ in range(50)))
    assert sorted(count for count, _ in counts) == list(range(1, 51))


async def test_reset_and_expiry(counters: Counters) -> None:
    await counters.hit("k", 60)
    await counters.reset("k")
    assert (await counters.hit("k", 60))[0] == 1
    await counters.hit("short", 1)
    for _ in range(300):  # until the one-second window has ended (read with amount 0), not a fixed sleep
        if (await counters.hit("short", 1, 0))[0] == 0:
            break
        await asyncio.sleep(0.01)
    assert (await counters.hit("short", 1))[0] == 1


async def test_memory_counters_stay_bounded() -> None:
    counters = MemoryCounters(max_keys=10)
    for i in range(50):
        await counters.hit(f"k{i}", 60)
    assert len(counters._windows) <= 10
    assert (await counters.hit("k49", 60))[0] == 2
