"""Per-operation context: the services, the caller, and how the caller proved who they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from domain.accounts import AccountService
from domain.ai.embeddings import Embedder
from domain.ai.llm import LLMProvider
from domain.analyses import AnalysisService
from domain.budgets import Budgets
from domain.enhancement import EnhancementService
from domain.errors import Unauthenticated
from domain.feedback import FeedbackService
from domain.generations.service import GenerationService
from domain.improvements.service import ImprovementService
from domain.indexing import Indexer
from domain.insights import InsightService
from domain.jobs import JobService
from domain.personal_data import PersonalDataService
from domain.profiles import ProfileService
from domain.quotas import Quotas
from domain.ranking.service import RankingService
from domain.resumes import ResumeService
from domain.samples import SampleService
from domain.security import TokenClaims
from graph.server.settings import WebSettings
from storage.accounts import User


@dataclass
class Services:
    """Everything the composition root builds once per process and hands down."""

    settings: WebSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    accounts: AccountService
    jobs: JobService
    profiles: ProfileService
    samples: SampleService
    resumes: ResumeService
    enhancement: EnhancementService
    ranking: RankingService
    generations: GenerationService
    analyses: AnalysisService
    improvements: ImprovementService
    feedback: FeedbackService
    insights: InsightService
    personal_data: PersonalDataService
    embedder: Embedder
    indexer: Indexer
    llm: LLMProvider
    budgets: Budgets  # per-account limits on the expensive operations
    quotas: Quotas  # per-account storage quota on uploads
    redis: Redis | None = None

    async def aclose(self) -> None:
        await self.improvements.stop()  # runs still going are marked INTERRUPTED
        await self.indexer.stop()
        await self.llm.aclose()
        self.embedder.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


MAX_AUTHORIZATION_CHARS = 4096
MAX_LOADERS = 64
L = TypeVar("L", bound=DataLoader[Any, Any])


def bearer_token(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None when there is no value."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_AUTHORIZATION_CHARS:
        raise Unauthenticated("The access token is invalid")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    return token.strip()


@dataclass
class Context:
    services: Services
    request: Request | WebSocket
    response: Response | WebSocket | None = None
    connection_params: dict[str, Any] | None = None  # websocket connection_init payload
    _authorization: str | None = None
    _user: User | None = None
    _resolved: bool = field(default=False)
    _claims: TokenClaims | None = None  # a signed-in socket's token, re-checked on every later call
    _loaders: dict[tuple[int, object], tuple[object, DataLoader[Any, Any]]] = field(default_factory=dict)

    @property
    def client_address(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"

    @property
    def is_socket(self) -> bool:
        return isinstance(self.request, WebSocket)

    @property
    def signed_in_socket(self) -> bool:
        """A websocket that authenticated with a token: its identity is watched while it stays open."""
        return self._claims is not None

    async def current_user(self) -> User | None:
        """The caller, or None when no token came; a bad token is UNAUTHENTICATED, not anonymous.

        Over HTTP the context lives for one request: the token is resolved once, with one read. A socket's
        context lives as long as the connection, so every later call checks the token's expiry and the
        account's existence, session version and role again, through the per-process stamps (at most one
        small read per account per second): a deleted, signed-out or demoted account is seen at once."""
        accounts = self.services.accounts
        if not self._resolved:
            token = bearer_token(self._authorization)
            self._user = await accounts.user_for_token(token) if token else None
            if token and self.is_socket:
                self._claims = accounts.claims(token)
            self._resolved = True
        elif self._claims is not None and self._user is not None:
            self._user = await accounts.recheck(self._claims, self._user)
        return self._user

    def loader(self, info: Info[Any, Any], kind: Callable[[Context], L]) -> L:
        """This execution's loader of a kind (graph/loaders.py), made on first use: one per execution and
        kind, because a websocket context lives as long as its connection and a loader's cache must not
        outlive one operation. Keyed by the execution's own variables dict, which graphql-core builds
        afresh for each run: `info.operation` is no key, since the parser cache hands every run of the
        same text the same document. The entry holds the dict, so its id cannot be reused by a later run
        while the loader is kept."""
        run = info._raw_info.variable_values
        key = (id(run), kind)
        entry = self._loaders.get(key)
        if entry is None or entry[0] is not run:
            if len(self._loaders) >= MAX_LOADERS:
                self._loaders.clear()
            entry = (run, kind(self))
            self._loaders[key] = entry
        loader: L = entry[1]  # type: ignore[assignment]  # stored under its own kind
        return loader

    async def require_user(self) -> User:
        user = await self.current_user()
        if user is None:
            raise Unauthenticated("You must be logged in")
        return user
