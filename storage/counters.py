"""Expiring counters (for rate limits): in process memory, or in Redis when several processes share."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> tuple[int, int]:
        """Count `amount` (one event, or e.g. tokens; 0 only reads) in the current window; returns (count,
        seconds until the window ends)."""
        ...

    async def reset(self, key: str) -> None: ...


class MemoryCounters:
    """Fixed windows in a dict; expired keys are pruned as new ones arrive."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: dict[str, tuple[int, float]] = {}
        self._max_keys = max_keys

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._windows.get(key)
        if entry is None or entry[1] <= now:
            self._windows.pop(key, None)
            return None
        return entry

    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> tuple[int, int]:
        now = time.monotonic()
        entry = self._live(key, now)
        if entry is None:
            if len(self._windows) >= self._max_keys:
                self._prune(now)
            entry = (0, now + window_seconds)
        count, ends = entry[0] + amount, entry[1]
        self._windows[key] = (count, ends)
        return count, max(1, round(ends - now))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, (_, ends) in self._windows.items() if ends <= now]:
            del self._windows[key]
        while len(self._windows) >= self._max_keys:  # still full: drop the oldest windows
            self._windows.pop(next(iter(self._windows)))


class RedisCounters:
    """INCR + EXPIRE in one round trip; the window starts at the first event."""

    def __init__(self, redis: Redis, prefix: str = "tailor:counter:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> tuple[int, int]:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl))

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
