"""Event fan-out for live progress: a channel per subject, every subscriber gets every message published
after it subscribed, and the channel's latest message is kept for late joiners until a final one ends it.

`MemoryBroker` serves one process. `RedisBroker` carries messages over Redis pub/sub, so a subscriber in
any process hears a publisher in any other: one pattern subscription per process feeds local queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

log = logging.getLogger("tailor.broker")
LAST_TTL_SECONDS = 3600  # a latest message outlives no run by more than this
READY_SECONDS = 5.0


class Queue:
    """One subscriber's messages."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def put(self, message: dict[str, Any]) -> None:
        self._queue.put_nowait(message)

    async def get(self, within: float) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(within):
                return await self._queue.get()
        except TimeoutError:
            return None


class _LocalFanOut:
    """Channel → the queues of this process's subscribers."""

    def __init__(self) -> None:
        self.queues: dict[str, set[Queue]] = {}

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Queue]:
        queue = Queue()
        self.queues.setdefault(channel, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self.queues.get(channel)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self.queues[channel]

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for queue in list(self.queues.get(channel, ())):
            queue.put(message)


class MemoryBroker:
    def __init__(self) -> None:
        self._local = _LocalFanOut()
        self._last: dict[str, dict[str, Any]] = {}

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._local.queues.values())

    @property
    def channel_count(self) -> int:
        return len(self._local.queues) + len(self._last)

    async def publish(self, channel: str, message: dict[str, Any], *, final: bool = False) -> None:
        if final:
            self._last.pop(channel, None)
        else:
            self._last[channel] = message
        self._local.deliver(channel, message)

    async def last(self, channel: str) -> dict[str, Any] | None:
        return self._last.get(channel)

    def listen(self, channel: str) -> contextlib.AbstractAsyncContextManager[Queue]:
        return self._local.listen(channel)

    async def aclose(self) -> None:
        self._last.clear()


class RedisBroker:
    """Publishes to `<prefix>events:<channel>` and keeps the latest message at `<prefix>last:<channel>`."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._local = _LocalFanOut()
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._starting = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._local.queues.values())

    @property
    def channel_count(self) -> int:
        return len(self._local.queues)

    async def publish(self, channel: str, message: dict[str, Any], *, final: bool = False) -> None:
        data = json.dumps(message)
        async with self._redis.pipeline(transaction=True) as pipe:
            if final:
                pipe.delete(f"{self._prefix}last:{channel}")
            else:
                pipe.set(f"{self._prefix}last:{channel}", data, ex=LAST_TTL_SECONDS)
            pipe.publish(f"{self._prefix}events:{channel}", data)
            await pipe.execute()

    async def last(self, channel: str) -> dict[str, Any] | None:
        data = await self._redis.get(f"{self._prefix}last:{channel}")
        return json.loads(data) if data else None

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Queue]:
        await self._start()
        async with self._local.listen(channel) as queue:
            yield queue

    async def _start(self) -> None:
        """One pattern subscription per process, confirmed before anyone relies on it."""
        async with self._starting:
            if self._reader is None or self._reader.done():
                self._ready.clear()
                self._reader = asyncio.create_task(self._read())
        async with asyncio.timeout(READY_SECONDS):  # Redis unreachable: fail the caller, not hang it
            await self._ready.wait()

    async def _read(self) -> None:
        pattern = f"{self._prefix}events:*"
        skip = len(f"{self._prefix}events:")
        while True:
            pubsub: PubSub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(pattern)
                async for item in pubsub.listen():
                    if item["type"] == "psubscribe":
                        self._ready.set()
                    elif item["type"] == "pmessage":
                        channel = item["channel"]
                        name = (channel.decode() if isinstance(channel, bytes) else channel)[skip:]
                        self._local.deliver(name, json.loads(item["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect; followers fall back on the database meanwhile
                log.exception("lost the Redis event subscription; reconnecting")
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
