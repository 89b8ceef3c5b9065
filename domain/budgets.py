"""Per-account budgets on the expensive operations: calls per window, calls in flight, model tokens per hour.

Each operation spends from one or more budgets (`Operation`):

- calls per window (`budget_window_seconds`): fixed windows in the shared `Counters` (Redis when
  configured, so every process counts together; else this process's memory);
- calls in flight at once: counted in this process's memory (an account reaching several processes may
  have that many in each). Calls that share one piece of work (`share`: the improvement run of one
  resume and job, which any number of subscribers may watch) count once, as the first of them;
- model tokens per hour (LLM only): a call is admitted while the account's tokens this hour are under
  the budget, and charged, when done, the tokens its `llmMetadata` reports (a cached answer: none).

Past any of them the call is refused with RATE_LIMITED and `retryAfter` (seconds): the end of the
window, or `BUSY_RETRY_SECONDS` for calls in flight. Extensions name the `operation` and the `limit`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import RateLimited
from domain.settings import Settings
from storage.counters import Counters

BUSY_RETRY_SECONDS = 2
TOKEN_WINDOW_SECONDS = 3600


class Operation(StrEnum):
    COMPARE = "COMPARE"  # compareResumeToJobs
    IMPROVEMENT = "IMPROVEMENT"  # improveResume, mutation or subscription
    GENERATION = "GENERATION"  # generateResume, generateCoverLetter
    LLM = "LLM"  # every call that asks the language model


WHAT = {
    Operation.COMPARE: "resume comparisons",
    Operation.IMPROVEMENT: "improvement runs",
    Operation.GENERATION: "generations",
    Operation.LLM: "language-model calls",
}


@dataclass(frozen=True, slots=True)
class Limit:
    calls: int  # per window
    window_seconds: int
    concurrent: int  # in flight at once, per process


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    limits: Mapping[Operation, Limit]
    tokens_per_hour: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BudgetSettings:
        window = settings.budget_window_seconds
        return cls(
            limits={
                Operation.COMPARE: Limit(settings.compare_calls_per_window, window, settings.compare_concurrency),
                Operation.IMPROVEMENT: Limit(
                    settings.improvement_calls_per_window, window, settings.improvement_concurrency
                ),
                Operation.GENERATION: Limit(
                    settings.generation_calls_per_window, window, settings.generation_concurrency
                ),
                Operation.LLM: Limit(settings.llm_calls_per_window, window, settings.llm_concurrency),
            },
            tokens_per_hour=settings.llm_tokens_per_hour,
        )


@dataclass(eq=False)
class _Call:
    """An admitted call, or the calls sharing it (`share`): its slots are held while any of them is."""

    user_id: str
    operations: tuple[Operation, ...]
    admitted: asyncio.Future[bool]
    key: tuple[str, str] | None = None
    holders: int = 1
    released: bool = False
    charged: bool = False


class Spend:
    """One admitted call: `tokens(n)` charges what its model calls reported (once per shared call)."""

    def __init__(self, budgets: Budgets, call: _Call) -> None:
        self._budgets = budgets
        self._call = call

    async def tokens(self, total_tokens: int) -> None:
        call = self._call
        if Operation.LLM in call.operations and not call.charged:
            call.charged = True
            await self._budgets.charge_tokens(call.user_id, total_tokens)


class Budgets:
    def __init__(self, counters: Counters, settings: BudgetSettings) -> None:
        self._counters = counters
        self._settings = settings
        self._in_flight: Counter[tuple[Operation, str]] = Counter()
        self._shared: dict[tuple[str, str], _Call] = {}

    def in_flight(self, user_id: str, operation: Operation) -> int:
        return self._in_flight[(operation, user_id)]

    @asynccontextmanager
    async def spend(self, user_id: str, *operations: Operation, share: str | None = None) -> AsyncIterator[Spend]:
        """Around one call of an expensive operation: RATE_LIMITED (nothing done) when any of its budgets
        is spent; its slots in flight are held until the block ends.

        Calls with the same `share` (say, one resume and job: the one run any number of subscribers
        watch) join the first one admitted while it lasts, in this process: they count as that one call."""
        call = await self._join(user_id, share) if share is not None else None
        if call is None:
            call = await self._admit(user_id, operations, share)
        try:
            yield Spend(self, call)
        finally:
            self._release(call)

    async def _join(self, user_id: str, share: str) -> _Call | None:
        while (call := self._shared.get((user_id, share))) is not None:
            call.holders += 1
            try:
                admitted = await asyncio.shield(call.admitted)
            except BaseException:
                self._release(call)
                raise
            if admitted:
                return call
            call.holders -= 1  # refused or gone before admission: try for ourselves
        return None

    async def _admit(self, user_id: str, operations: tuple[Operation, ...], share: str | None) -> _Call:
        self._enter(user_id, operations)
        call = _Call(user_id, operations, asyncio.get_running_loop().create_future())
        if share is not None:
            call.key = (user_id, share)
            self._shared[call.key] = call
        try:
            for operation in operations:
                limit = self._settings.limits[operation]
                count, retry_after = await self._counters.hit(f"budget:{operation}:{user_id}", limit.window_seconds)
                if count > limit.calls:
                    raise RateLimited(
                        f"Too many {WHAT[operation]}: at most {limit.calls} every {limit.window_seconds} seconds; "
                        f"try again in {retry_after} seconds",
                        retry_after=retry_after,
                        operation=operation.value,
                        limit="CALLS_PER_WINDOW",
                    )
            if Operation.LLM in operations:
                await self._admit_tokens(user_id)
        except BaseException:
            call.holders = 0
            self._free(call)
            call.admitted.set_result(False)
            raise
        call.admitted.set_result(True)
        return call

    def _release(self, call: _Call) -> None:
        call.holders -= 1
        if call.holders <= 0:
            self._free(call)

    def _free(self, call: _Call) -> None:
        if call.released:
            return
        call.released = True
        self._leave(call.user_id, call.operations)
        if call.key is not None and self._shared.get(call.key) is call:
            del self._shared[call.key]

    def _enter(self, user_id: str, operations: tuple[Operation, ...]) -> None:
        """Take a slot of each operation, or none (no await between the check and the taking)."""
        for operation in operations:
            limit = self._settings.limits[operation]
            if self._in_flight[(operation, user_id)] >= limit.concurrent:
                raise RateLimited(
                    f"You already have {limit.concurrent} {WHAT[operation]} under way: try again when one ends",
                    retry_after=BUSY_RETRY_SECONDS,
                    operation=operation.value,
                    limit="IN_FLIGHT",
                )
        for operation in operations:
            self._in_flight[(operation, user_id)] += 1

    def _leave(self, user_id: str, operations: tuple[Operation, ...]) -> None:
        for operation in operations:
            key = (operation, user_id)
            self._in_flight[key] -= 1
            if self._in_flight[key] <= 0:
                del self._in_flight[key]

    def _token_key(self, user_id: str) -> str:
        return f"budget:tokens:{user_id}"

    async def _admit_tokens(self, user_id: str) -> None:
        used, retry_after = await self._counters.hit(self._token_key(user_id), TOKEN_WINDOW_SECONDS, 0)
        if used >= self._settings.tokens_per_hour:
            raise RateLimited(
                f"You have used your {self._settings.tokens_per_hour} language-model tokens for this hour; "
                f"try again in {retry_after} seconds",
                retry_after=retry_after,
                operation=Operation.LLM.value,
                limit="TOKENS_PER_HOUR",
            )

    async def charge_tokens(self, user_id: str, total_tokens: int) -> None:
        """The tokens a finished call reports (its `llmMetadata`), against this hour's budget."""
        if total_tokens > 0:
            await self._counters.hit(self._token_key(user_id), TOKEN_WINDOW_SECONDS, total_tokens)
