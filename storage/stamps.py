"""Accounts' session stamps (session version and role) shared through Redis, so that every process sees
a sign-out, a password change, a role change or a deletion without each reading the database.

The database stays the truth: Redis holds a copy for `ttl_seconds`. Readers put what they read from the
database only where Redis has nothing newer (a read that raced a bump cannot put the old stamp back);
writers put what they committed, after the commit; a deleted account is a tombstone, never overwritten."""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from storage.accounts import Stamp

GONE = "gone"  # the tombstone of a deleted account

# KEYS[1]: the key; ARGV: value, version (-1 for the tombstone), ttl, "reader" or "writer". A reader keeps a
# stored stamp of the same or a newer version; a writer replaces one of the same version (a role change).
# Nothing replaces the tombstone, and the tombstone replaces anything.
_PUT = """
local current = redis.call('GET', KEYS[1])
local version = tonumber(ARGV[2])
if current and version >= 0 then
  if current == 'gone' then return 0 end
  local stored = tonumber(string.match(current, '^(%d+):'))
  if stored and (stored > version or (stored == version and ARGV[4] == 'reader')) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


class StampStore(Protocol):
    async def get(self, user_id: str) -> tuple[bool, Stamp | None]:
        """(found, stamp): found is False when the store has nothing for the account; a found None is a
        deleted account."""
        ...

    async def offer(self, user_id: str, stamp: Stamp | None) -> None:
        """What a reader read from the database: kept unless the store holds a newer stamp."""
        ...

    async def publish(self, user_id: str, stamp: Stamp | None) -> None:
        """What a writer committed (None: the account was deleted)."""
        ...


class RedisStampStore:
    """One string key per account, `<prefix>stamp:<id>` = `<version>:<role>` or `gone`."""

    def __init__(self, redis: Redis, *, prefix: str = "tailor:", ttl_seconds: int = 60) -> None:
        self._redis = redis
        self._prefix = f"{prefix}stamp:"
        self._ttl = ttl_seconds
        self._put = redis.register_script(_PUT)
        self.gets = 0  # GETs made, for tests that count the work

    def key(self, user_id: str) -> str:
        return self._prefix + user_id

    async def get(self, user_id: str) -> tuple[bool, Stamp | None]:
        self.gets += 1
        raw = await self._redis.get(self.key(user_id))
        if raw is None:
            return False, None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        if text == GONE:
            return True, None
        version, _, role = text.partition(":")
        if not version.isdigit() or not role:
            return False, None  # not ours: read the database (and the next put replaces it)
        return True, Stamp(session_version=int(version), role=role)

    async def offer(self, user_id: str, stamp: Stamp | None) -> None:
        await self._write(user_id, stamp, "reader")

    async def publish(self, user_id: str, stamp: Stamp | None) -> None:
        await self._write(user_id, stamp, "writer")

    async def _write(self, user_id: str, stamp: Stamp | None, who: str) -> None:
        if stamp is None:
            value, version = GONE, -1
        else:
            value, version = f"{stamp.session_version}:{stamp.role}", stamp.session_version
        await self._put(keys=[self.key(user_id)], args=[value, version, self._ttl, who])
