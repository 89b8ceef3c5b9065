"""Pages of growing lists, by the Relay cursor spec: keyset cursors over (created_at, id), stable under
inserts and opaque to clients, and one `Page[T]` shape for every list.

A list is read forward (`first`, `after`) or backward (`last`, `before`), never both ways at once.
Forward, `has_next` says whether rows follow the page and `has_previous` is false; backward,
`has_previous` says whether rows precede it and `has_next` is false. The spec allows the false
answers (the server "may return false" when it cannot tell cheaply), as graphql-relay-js does: the
other side would cost a second query per page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from domain.errors import BadInput
from domain.validation import is_uuid
from storage.pagination import Key, Keyset

DEFAULT_PAGE = 20  # when neither `first` nor `last` is given
MAX_PAGE = 100
T = TypeVar("T")


class Row(Protocol):
    id: str
    created_at: datetime


def created(row: Row) -> Key:
    return row.created_at, row.id


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a newest-first list, in list order, with what a Relay connection shows of it."""

    items: list[T]
    cursors: list[str]  # one a row, in the same order
    total: int  # rows the list's filters match, on every page
    has_next: bool
    has_previous: bool

    @classmethod
    def empty(cls) -> Page[T]:
        return cls([], [], 0, False, False)


def encode_cursor(key: Key) -> str:
    moment, row_id = key
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> Key:
    """The (created_at, id) a cursor stands for; BAD_USER_INPUT for anything this API did not make."""
    try:
        moment_text, _, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None or not is_uuid(row_id):
            raise ValueError("not a cursor")
        return moment.astimezone(UTC), row_id
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
        raise BadInput("The cursor is not one this API gave out", field=field) from exc


def check_size(size: int, field: str) -> None:
    if not 1 <= size <= MAX_PAGE:
        raise BadInput(f"{field} must be between 1 and {MAX_PAGE}", field=field)


def window(
    first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
) -> Keyset:
    """A client's `first`/`after`/`last`/`before`, checked: a page size within 1..MAX_PAGE, cursors this
    API gave out, and `first` or `last` but not both (BAD_USER_INPUT naming the argument)."""
    if first is not None and last is not None:
        raise BadInput("Give first or last, not both", field="last")
    if last is not None:
        check_size(last, "last")
    elif first is not None:
        check_size(first, "first")
    size = last if last is not None else first if first is not None else DEFAULT_PAGE
    return Keyset(
        limit=size + 1,  # one row more than the page: it says whether there are more
        after=decode_cursor(after, "after") if after else None,
        before=decode_cursor(before, "before") if before else None,
        backward=last is not None,
    )


def page_of(rows: list[T], total: int, keys: Keyset, key: Callable[[T], Key] = created) -> Page[T]:
    """The page a repository's keyset read makes (`keys.limit` rows at most, in reading order): the
    extra row dropped, a backward read turned newest first, and a cursor for each row by `key`."""
    size = keys.limit - 1
    more = len(rows) > size
    items = rows[:size]
    if keys.backward:
        items.reverse()
    return Page(
        items=items,
        cursors=[encode_cursor(key(item)) for item in items],
        total=total,
        has_next=more and not keys.backward,
        has_previous=more and keys.backward,
    )
