"""Keyset cursors over (created_at, id): stable under inserts, opaque to clients."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Protocol

from domain.errors import BadInput
from domain.validation import is_uuid

MAX_PAGE = 100


class Row(Protocol):
    id: str
    created_at: datetime


def encode_cursor(row: Row) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor stands for; BAD_USER_INPUT for anything this API did not make."""
    try:
        created, _, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None or not is_uuid(row_id):
            raise ValueError("not a cursor")
        return moment.astimezone(UTC), row_id
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
        raise BadInput("The cursor is not one this API gave out", field="after") from exc


def check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"first must be between 1 and {MAX_PAGE}", field="first")
