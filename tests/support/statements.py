"""Counting the SQL an app runs: tests that bound work count statements this way, never by timing it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from starlette.applications import Starlette


@contextmanager
def statements(app: Starlette, keep: Callable[[str], bool] = lambda _: True) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block (those `keep` accepts): tests count work
    this way, never by timing it."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if keep(statement):
            seen.append(statement)

    engine = app.state.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
