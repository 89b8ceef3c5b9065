"""One rule for reading a row by id on someone's behalf: an id that is no UUID names nothing and never
reaches the database; a row that is someone else's reads exactly as a missing one (NOT_FOUND, never
FORBIDDEN, so ids cannot be probed). Every service asks `owned_or_not_found` instead of repeating it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, runtime_checkable

from domain.errors import NotFound
from domain.validation import is_uuid
from storage.accounts import User

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

Find = Callable[[str, str], Awaitable[T | None]]  # (user id, row id) → the row, or None


@runtime_checkable
class OwnedRows(Protocol[T_co]):
    """A repository that reads one of a user's rows by id: `owned(user_id, row_id)`."""

    async def find_owned(self, user_id: str, row_id: str) -> T_co | None: ...


async def owned_or_not_found(
    repo: OwnedRows[T] | Find[T], user: User, row_id: str, field: str = "id", *, message: str
) -> T:
    """The user's row `row_id` through `repo.find_owned` (or through `repo` itself, a lookup taking the user's
    id and the row's id, for a rule other than plain ownership); NOT_FOUND naming `field` otherwise. A
    malformed id answers NOT_FOUND without a query."""
    if is_uuid(row_id):
        find: Find[T] = repo.find_owned if isinstance(repo, OwnedRows) else repo
        row = await find(user.id, row_id)
        if row is not None:
            return row
    raise NotFound(message, field=field)
