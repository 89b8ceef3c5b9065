"""Each account's session stamp (session version and role) as this process sees it: cached at most a
period old, shared through Redis when configured, so that every operation can check its identity cheaply
(domain/accounts.py bumps the stamp; graph/context.py checks it on every operation of a socket)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.accounts import Stamp, UserRepository
from storage.stamps import StampStore

log = logging.getLogger("tailor.accounts")
MAX_STAMPS = 10_000  # accounts whose stamp one process remembers before it forgets the stale ones


class SessionStamps:
    """Per-process cache of each account's (session version, role), at most `max_age` seconds old.

    A websocket re-checks its identity on every operation and about every second while open; through
    this cache that costs at most one small read per account per `max_age` however many sockets and
    operations there are, and every process sees a bump, a role change or a deletion within `max_age`.
    Concurrent misses for one account share a single read.

    With a shared `store` (Redis), that read is one GET there; the database is read only when the store
    has nothing for the account (and what it read is offered to the store for the other processes).
    Whoever changes an account tells the store after the commit (`changed`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        store: StampStore | None = None,
    ) -> None:
        self._sessions = sessions
        self._max_age = max_age
        self._clock = clock
        self._store = store
        self._entries: dict[str, tuple[float, Stamp | None]] = {}
        self._pending: dict[str, asyncio.Future[Stamp | None]] = {}
        self.reads = 0  # database reads made, for tests that check the cost

    async def get(self, user_id: str, *, at_least: int = 0) -> Stamp | None:
        """The account's stamp (None when the account is gone). A cached stamp older than `at_least`
        is read again: versions only grow, so a newer token means this process has not seen the bump."""
        entry = self._entries.get(user_id)
        if entry is not None and self._clock() - entry[0] < self._max_age:
            stamp = entry[1]
            if stamp is None or stamp.session_version >= at_least:
                return stamp
        pending = self._pending.get(user_id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._pending[user_id] = pending
            try:
                stamp = await self._load(user_id, at_least)
            except BaseException:
                pending.cancel()  # whoever waited on this read makes its own
                raise
            finally:
                self._pending.pop(user_id, None)
            pending.set_result(stamp)
            return stamp
        await asyncio.wait({pending})  # never cancels the shared read on behalf of one waiter
        if pending.cancelled():
            return await self.get(user_id, at_least=at_least)
        shared = pending.result()
        if shared is not None and shared.session_version < at_least:  # read for an older token: read again
            return await self.get(user_id, at_least=at_least)
        return shared

    async def changed(self, user_id: str, stamp: Stamp | None) -> None:
        """This process committed a change to the account (None: deleted it): its next check reads
        again, and the shared store, when there is one, holds the new stamp before this returns."""
        self._entries.pop(user_id, None)
        if self._store is None:
            return
        try:
            await self._store.publish(user_id, stamp)
        except Exception:  # noqa: BLE001 - the change stands; other processes see it once the copy expires
            log.error("could not share the new session stamp of an account", exc_info=True)

    async def _load(self, user_id: str, at_least: int) -> Stamp | None:
        if self._store is not None:
            try:
                found, stamp = await self._store.get(user_id)
            except Exception:  # noqa: BLE001 - Redis is down: the database answers
                log.warning("could not read a session stamp from the shared store", exc_info=True)
                found, stamp = False, None
            if found and (stamp is None or stamp.session_version >= at_least):
                self._remember(user_id, stamp)
                return stamp
        stamp = await self._read_database(user_id)
        if self._store is not None:
            try:
                await self._store.offer(user_id, stamp)
            except Exception:  # noqa: BLE001 - the next read tries again
                log.warning("could not share a session stamp", exc_info=True)
        self._remember(user_id, stamp)
        return stamp

    async def _read_database(self, user_id: str) -> Stamp | None:
        self.reads += 1
        async with self._sessions() as session:
            return await UserRepository(session).stamp(user_id)

    def _remember(self, user_id: str, stamp: Stamp | None) -> None:
        now = self._clock()
        if len(self._entries) >= MAX_STAMPS:
            self._entries = {k: v for k, v in self._entries.items() if now - v[0] < self._max_age}
        self._entries[user_id] = (now, stamp)
