"""Every batched read of the graph, one named loader per relation (Saleor's naming: `<Rows>By<Key>Loader`).

A resolver never reads a related row itself: it asks the operation's loader, `JobsByIdLoader.for_operation(info)`,
which gathers the keys of every row on the page and reads them in one statement. Loaders are made per
operation through `Context.loader` (one accessor): a websocket's context lives as long as its connection,
and a loader's cache must not outlive the operation that filled it. Each loader answers in key order, with
None (or the empty value) for a key the reader may not see, so a deleted or foreign row reads as absent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from storage.jobs import Job as JobRow
from storage.resumes import Resume as ResumeRow

if TYPE_CHECKING:
    from graph.context import Context

K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V], ABC, Generic[K, V]):
    """A DataLoader bound to one operation's context; a subclass says how one batch of keys is read."""

    def __init__(self, context: Context) -> None:
        super().__init__(load_fn=self.batch_load)
        self.context = context

    @classmethod
    def for_operation(cls, info: Info[Context, Any]) -> Self:
        """This operation's loader of the kind, made on first use."""
        return info.context.loader(info, cls)

    @abstractmethod
    async def batch_load(self, keys: list[K]) -> list[V]:
        """The values of `keys`, in their order (one read for the whole batch)."""


class JobsByIdLoader(Loader[str, JobRow | None]):
    """Jobs the reader may see (their own and the public board), by id."""

    async def batch_load(self, keys: list[str]) -> list[JobRow | None]:
        user = await self.context.require_user()
        found = await self.context.services.jobs.many(user, keys)
        return [found.get(key) for key in keys]


class ResumesByIdLoader(Loader[str, ResumeRow | None]):
    """The reader's resumes, by id."""

    async def batch_load(self, keys: list[str]) -> list[ResumeRow | None]:
        user = await self.context.require_user()
        found = await self.context.services.resumes.many(user, keys)
        return [found.get(key) for key in keys]


class AnalysisCountsByJobIdLoader(Loader[str, int]):
    """How many analyses the reader has stored against each job."""

    async def batch_load(self, keys: list[str]) -> list[int]:
        user = await self.context.require_user()
        counts = await self.context.services.analyses.counts(user, keys)
        return [counts.get(key, 0) for key in keys]


class SectionItemsByProfileIdLoader(Loader[str, list[Any]]):
    """One section's items of each profile, in the profile's order; a subclass names the section."""

    section: ClassVar[str]

    async def batch_load(self, keys: list[str]) -> list[list[Any]]:
        return await self.context.services.profiles.items_of_profiles(self.section, keys)


class ExperiencesByProfileIdLoader(SectionItemsByProfileIdLoader):
    section = "experiences"


class ProjectsByProfileIdLoader(SectionItemsByProfileIdLoader):
    section = "projects"


class SkillsByProfileIdLoader(SectionItemsByProfileIdLoader):
    section = "skills"


class EducationByProfileIdLoader(SectionItemsByProfileIdLoader):
    section = "education"


class CertificationsByProfileIdLoader(SectionItemsByProfileIdLoader):
    section = "certifications"
