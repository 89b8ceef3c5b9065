"""Storage insights: what Tailor holds for the caller, kind by kind, with the newest of each and the
average rating they gave; ADMIN users also see the totals across everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.quotas import Quotas, QuotaUsage
from storage.accounts import User
from storage.analyses import Analysis
from storage.feedback import Feedback, FeedbackRepository
from storage.generations import Generation
from storage.improvements import Improvement
from storage.insights import owned_totals, table_total
from storage.jobs import Job
from storage.resumes import Resume
from storage.samples import Sample

NEWEST = 5
KINDS: dict[str, Any] = {
    "jobs": Job,
    "resumes": Resume,
    "samples": Sample,
    "analyses": Analysis,
    "improvements": Improvement,
    "generations": Generation,
    "feedback": Feedback,
}


@dataclass(frozen=True, slots=True)
class Holding:
    total: int
    newest: list[Any]


@dataclass(frozen=True, slots=True)
class StorageStats:
    holdings: dict[str, Holding]  # kind → the caller's total and newest rows
    average_rating: float | None
    global_totals: dict[str, int] | None  # ADMIN only: every kind, and users
    quota: QuotaUsage  # the storage quota and what of it is used


class InsightService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], quotas: Quotas) -> None:
        self._sessions = sessions
        self._quotas = quotas

    async def storage_stats(self, user: User) -> StorageStats:
        holdings: dict[str, Holding] = {}
        async with self._sessions() as session:
            for kind, model in KINDS.items():
                total, newest = await owned_totals(session, model, user.id, NEWEST)
                holdings[kind] = Holding(total, newest)
            ratings = await FeedbackRepository(session).by_rating(user.id)
            global_totals = None
            if user.role == "ADMIN":
                global_totals = {"users": await table_total(session, User)}
                for kind, model in KINDS.items():
                    global_totals[kind] = await table_total(session, model)
        count = sum(ratings.values())
        average = round(sum(r * n for r, n in ratings.items()) / count, 3) if count else None
        return StorageStats(holdings, average, global_totals, await self._quotas.usage(user))
