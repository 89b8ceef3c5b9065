"""The one ownership rule (domain/ownership.py): a malformed id is NOT_FOUND without a read; another
person's row reads as a missing one; the message and the field are the caller's."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

import pytest

from domain.errors import NotFound
from domain.ownership import owned_or_not_found
from storage.accounts import User

ADA = User(id=str(uuid.uuid4()), email="ada@example.com", password_hash="x", role="USER")
ROW_ID = str(uuid.uuid4())


class Rows:
    """A repository holding one of Ada's rows, counting its reads."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, str]] = []

    async def find_owned(self, user_id: str, row_id: str) -> dict[str, str] | None:
        self.reads.append((user_id, row_id))
        return {"id": row_id} if (user_id, row_id) == (ADA.id, ROW_ID) else None

    async def item(self, kind: str, user_id: str, row_id: str) -> dict[str, str] | None:
        found = await self.find_owned(user_id, row_id)
        return {**found, "kind": kind} if found else None


async def test_the_owners_row_is_returned() -> None:
    assert await owned_or_not_found(Rows(), ADA, ROW_ID, message="No such row") == {"id": ROW_ID}


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1 OR 1=1", ROW_ID + " ", ROW_ID[:-1], "\x00"])
async def test_a_malformed_id_is_not_found_without_a_read(bad: str) -> None:
    rows = Rows()
    with pytest.raises(NotFound) as raised:
        await owned_or_not_found(rows, ADA, bad, "resume_id", message="No such resume")
    assert (raised.value.message, raised.value.field, rows.reads) == ("No such resume", "resume_id", [])


async def test_someone_elses_row_reads_as_missing() -> None:
    bob = User(id=str(uuid.uuid4()), email="bob@example.com", password_hash="x", role="USER")
    rows = Rows()
    for user, row_id in [(bob, ROW_ID), (ADA, str(uuid.uuid4()))]:
        with pytest.raises(NotFound) as raised:
            await owned_or_not_found(rows, user, row_id, message="No such sample")
        assert (raised.value.message, raised.value.field) == ("No such sample", "id")
    assert len(rows.reads) == 2


async def test_a_lookup_other_than_owned_may_be_given() -> None:
    rows = Rows()
    found: Any = await owned_or_not_found(partial(rows.item, "skills"), ADA, ROW_ID, message="No such item")
    assert found == {"id": ROW_ID, "kind": "skills"}
