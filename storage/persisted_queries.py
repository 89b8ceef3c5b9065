"""Persisted queries by SHA-256: a bounded store in process memory, or in Redis when several processes
serve one API (a query registered on one worker runs by hash on any other)."""

from __future__ import annotations

import time
from collections import OrderedDict

from redis.asyncio import Redis


class MemoryQueryStore:
    """Least recently used first out, at most `max_chars` characters of queries in all (a count alone
    would let 20,000-character documents fill memory)."""

    def __init__(self, max_chars: int) -> None:
        self._queries: OrderedDict[str, str] = OrderedDict()
        self._max_chars = max_chars
        self._chars = 0

    async def get(self, sha256: str) -> str | None:
        query = self._queries.get(sha256)
        if query is not None:
            self._queries.move_to_end(sha256)
        return query

    async def put(self, sha256: str, query: str) -> None:
        if sha256 in self._queries:
            self._queries.move_to_end(sha256)
            return
        self._queries[sha256] = query
        self._chars += len(query)
        while self._chars > self._max_chars:
            _, dropped = self._queries.popitem(last=False)
            self._chars -= len(dropped)

    def __len__(self) -> int:
        return len(self._queries)


class RedisQueryStore:
    """One key per query, expiring `ttl_seconds` after its last registration, plus a sorted set of
    registration times that trims the oldest beyond `max_entries`. A small memory store in front
    saves the round trip for hot queries (a hash always names the same text, so it never goes stale)."""

    def __init__(
        self, redis: Redis, *, prefix: str, max_entries: int, ttl_seconds: int, local_chars: int = 1_000_000
    ) -> None:
        self._redis = redis
        self._prefix = f"{prefix}apq:"
        self._index = f"{prefix}apq-index"
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._local = MemoryQueryStore(local_chars)

    async def get(self, sha256: str) -> str | None:
        query = await self._local.get(sha256)
        if query is None:
            raw = await self._redis.get(self._prefix + sha256)
            if raw is not None:
                query = raw.decode() if isinstance(raw, bytes) else str(raw)
                await self._local.put(sha256, query)
        return query

    async def put(self, sha256: str, query: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._prefix + sha256, query, ex=self._ttl)
            pipe.zadd(self._index, {sha256: time.time()})
            pipe.zcard(self._index)
            *_, size = await pipe.execute()
        if size > self._max_entries:
            oldest = await self._redis.zpopmin(self._index, size - self._max_entries)
            if oldest:
                await self._redis.delete(
                    *(self._prefix + (h.decode() if isinstance(h, bytes) else h) for h, _ in oldest)
                )
        await self._local.put(sha256, query)
