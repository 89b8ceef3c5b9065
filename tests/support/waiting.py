"""Waiting on a condition instead of sleeping a fixed time: a test that needs something to have happened
(in another task or another process) polls for it, with a deadline, and says what it waited for."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]],
    timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the polling, not for one awaited call
    *,
    what: str = "",
    every: float = 0.01,
) -> None:
    """Polls `predicate` (plain or async) every `every` seconds until it holds; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what or 'a condition'} in vain"
        await asyncio.sleep(every)
