"""The composition root: settings → engine, services, schema → one Starlette app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from domain import cpu
from domain.accounts import AccountService
from domain.ai.embeddings import Embedder
from domain.ai.groq_provider import GroqProvider
from domain.ai.guarded import GuardedLLM
from domain.ai.llm import LLMProvider
from domain.ai.local import LocalProvider
from domain.ai.truthfulness import TruthChecker
from domain.analyses import AnalysisService, MatchSettings
from domain.budgets import Budgets, BudgetSettings
from domain.documents.extract import READERS
from domain.enhancement import EnhancementService
from domain.feedback import FeedbackService
from domain.generations.service import GenerationService
from domain.improvements.events import EventBroker, RunSettings
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
from domain.security import Passwords, Tokens
from domain.settings import LLMProviderName, Settings
from domain.skills import default_lexicon
from graph.context import Services
from graph.errors import start_failure
from graph.exports import export_endpoint, feedback_export_endpoint
from graph.http.cors import OriginPolicy, TailorCORS
from graph.http.middleware import BodyLimitMiddleware, HealthCheck, RequestIdMiddleware, health_endpoint
from graph.http.view import TailorGraphQL
from graph.ide import asset_routes
from graph.logs import configure_logging
from graph.persisted import PersistedQueries, QueryStore, load_trusted_documents
from graph.personal_data import archive_endpoint
from graph.schema import build_schema
from graph.server.settings import WebSettings
from storage import migrate
from storage.blobs import BlobStore
from storage.broker import MemoryBroker, RedisBroker
from storage.counters import Counters, MemoryCounters, RedisCounters
from storage.db import create_engine, ping, session_factory
from storage.persisted_queries import MemoryQueryStore, RedisQueryStore
from storage.stamps import RedisStampStore
from storage.vectors import VectorIndex

log = logging.getLogger("tailor.app")


def build_llm(settings: Settings) -> LLMProvider:
    """`auto` picks Groq when a key is set, else the offline local provider; either way every output
    passes the truthfulness check."""
    lexicon = default_lexicon()
    return GuardedLLM(_provider(settings), TruthChecker(lexicon))


def _provider(settings: Settings) -> LLMProvider:
    if settings.effective_llm_provider is LLMProviderName.GROQ and settings.groq_api_key is not None:
        return GroqProvider(
            api_key=settings.groq_api_key.get_secret_value(),
            base_url=settings.groq_base_url,
            quality_model=settings.groq_quality_model,
            fast_model=settings.groq_fast_model,
            timeout=settings.groq_timeout_seconds,
            max_attempts=settings.groq_max_attempts,
        )
    return LocalProvider()


def build_services(settings: WebSettings) -> Services:
    """Everything long-lived, built once; nothing connects until first used."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        settings.resolved_database_url,
        echo=settings.database_echo,
        connect_timeout=settings.database_connect_timeout_seconds,
        statement_timeout=settings.database_statement_timeout_seconds,
    )
    sessions = session_factory(engine)
    redis = (  # Redis commands are quick: both limits are the connect timeout
        Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=settings.database_connect_timeout_seconds,
            socket_timeout=settings.database_connect_timeout_seconds,
        )
        if settings.redis_url
        else None
    )
    counters: Counters = (
        RedisCounters(redis, prefix=f"{settings.redis_key_prefix}counter:") if redis is not None else MemoryCounters()
    )
    passwords = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        concurrency=settings.password_hash_concurrency,
    )
    tokens = Tokens(
        secret=settings.resolve_jwt_secret(),
        issuer=settings.jwt_issuer,
        lifetime=timedelta(minutes=settings.token_lifetime_minutes),
    )
    accounts = AccountService(
        sessions,
        passwords,
        tokens,
        counters,
        password_min_length=settings.password_min_length,
        login_max_attempts=settings.login_max_attempts,
        login_window_seconds=settings.login_window_seconds,
        register_max_per_window=settings.register_max_per_window,
        register_window_seconds=settings.register_window_seconds,
        stamp_max_age_seconds=settings.session_check_seconds,
        stamp_store=(
            RedisStampStore(redis, prefix=settings.redis_key_prefix, ttl_seconds=settings.session_stamp_ttl_seconds)
            if redis is not None
            else None
        ),
        client_failure_budget=settings.login_client_failure_budget,
        failure_budget=settings.login_failure_budget,
        failure_window_seconds=settings.login_failure_window_seconds,
    )
    cpu.configure(settings.cpu_workers)
    READERS.limit = settings.extraction_workers
    lexicon = default_lexicon()
    llm = build_llm(settings)
    embedder = Embedder(settings.embedding_model, sessions, timedelta(days=settings.embedding_cache_days))
    index = VectorIndex.open(settings.data_dir, settings.chroma_url)
    blobs = BlobStore(settings.data_dir / "blobs")
    indexer = Indexer(sessions, embedder, index, blobs)
    profiles = ProfileService(sessions, lexicon, indexer.wake)
    samples = SampleService(sessions, llm, max_chars=settings.max_sample_chars)
    jobs = JobService(sessions, lexicon, indexer.wake, max_chars=settings.max_job_chars)
    ranking = RankingService(sessions, profiles, jobs, embedder, llm, lexicon)
    resumes = ResumeService(sessions, blobs, lexicon, max_chars=settings.max_resume_chars)
    match_settings = MatchSettings(
        skills_weight=settings.match_skills_weight,
        experience_weight=settings.match_experience_weight,
        semantic_threshold=settings.semantic_skill_threshold,
        score_weights=tuple(settings.score_weights.items()),
        score_ttl=timedelta(days=settings.score_cache_days),
        match_ttl=timedelta(days=settings.match_cache_days),
    )
    analyses = AnalysisService(sessions, resumes, profiles, jobs, embedder, index, lexicon, match_settings)
    broker: EventBroker = RedisBroker(redis, prefix=settings.redis_key_prefix) if redis is not None else MemoryBroker()
    run_settings = RunSettings(
        heartbeat=timedelta(seconds=settings.improvement_heartbeat_seconds),
        stale_after=timedelta(seconds=settings.improvement_stale_seconds),
        run_timeout=timedelta(seconds=settings.improvement_run_timeout_seconds),
        exclusive=settings.single_process,
    )
    quotas = Quotas(sessions, max_bytes=settings.storage_quota_bytes, max_files=settings.storage_quota_files)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        accounts=accounts,
        jobs=jobs,
        profiles=profiles,
        samples=samples,
        enhancement=EnhancementService(profiles, samples, llm),
        ranking=ranking,
        generations=GenerationService(sessions, profiles, samples, ranking, llm, lexicon),
        resumes=resumes,
        analyses=analyses,
        feedback=FeedbackService(sessions, profiles, embedder, index, indexer.wake),
        insights=InsightService(sessions, quotas),
        personal_data=PersonalDataService(
            sessions,
            accounts,
            blobs,
            indexer.wake,
            spool_dir=settings.data_dir / "exports",
            max_exports=settings.export_concurrency,
        ),
        improvements=ImprovementService(sessions, resumes, analyses, llm, lexicon, broker, run_settings),
        embedder=embedder,
        indexer=indexer,
        llm=llm,
        budgets=Budgets(counters, BudgetSettings.from_settings(settings)),
        quotas=quotas,
        redis=redis,
    )


def persisted_queries(settings: WebSettings, redis: Redis | None) -> PersistedQueries:
    """APQ's store, shared by every worker through Redis when configured; trusted documents when listed."""
    store: QueryStore = (
        RedisQueryStore(
            redis,
            prefix=settings.redis_key_prefix,
            max_entries=settings.persisted_query_entries,
            ttl_seconds=settings.persisted_query_days * 86400,
        )
        if redis is not None
        else MemoryQueryStore(settings.persisted_query_chars)
    )
    trusted = load_trusted_documents(settings.trusted_documents) if settings.trusted_documents else None
    return PersistedQueries(store, trusted, max_chars=settings.max_query_chars)


def health_checks(services: Services) -> dict[str, HealthCheck]:
    """What `/healthz` asks: the database, and Redis when configured."""
    checks: dict[str, HealthCheck] = {"database": lambda: ping(services.engine)}
    if services.redis is not None:
        checks["redis"] = services.redis.ping
    return checks


def serve_app() -> Starlette:
    """The factory `tailor serve` hands uvicorn: each worker process configures its own logging."""
    settings = WebSettings()
    configure_logging(settings.log_level, settings.effective_log_format)
    if settings.workers > 1 and settings.redis_url is None:
        log.warning(
            "several workers without TAILOR_REDIS_URL: each counts login attempts on its own, and improvement "
            "events reach other workers' subscribers only through the database, stage by stage"
        )
    return create_app(settings)


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings()
    services = build_services(settings)
    origins = OriginPolicy(settings)
    graphql = TailorGraphQL(build_schema(settings, persisted_queries(settings, services.redis)), services, origins)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            try:
                await migrate.upgrade(services.engine)
            except Exception as exc:
                database = services.engine.url.render_as_string(hide_password=True)
                reason = start_failure(
                    exc,
                    database,
                    settings.database_connect_timeout_seconds,
                    settings.database_statement_timeout_seconds,
                )
                if reason is None:
                    raise
                log.error(reason)  # one line, where a stack of driver frames would hide what to fix
                await services.engine.dispose()
                raise RuntimeError(reason) from None
        if settings.index_worker:
            services.indexer.start()  # first drains what a crash left in the outbox
        await services.improvements.start()  # marks the runs a stopped process left behind
        await cpu.pool().start()  # the CPU workers, before the first request needs them
        if settings.embedding_preload:
            await services.embedder.dimensions()  # loads the model (and torch) before the first request
        log.info("tailor ready", extra={"database": services.engine.url.render_as_string(hide_password=True)})
        try:
            yield
        finally:
            await services.aclose()
            log.info("tailor stopped")

    app = Starlette(
        routes=[
            Route("/healthz", health_endpoint(health_checks(services)), methods=["GET"]),
            Route("/generations/{generation_id}.{extension}", export_endpoint(services), methods=["GET"]),
            Route("/feedback/export.{extension}", feedback_export_endpoint(services), methods=["GET"]),
            Route("/exports/{token}/tailor-data.zip", archive_endpoint(services), methods=["GET"]),
            Route("/graphql", graphql),  # every method: the view answers 405 as a GraphQL error
            WebSocketRoute("/graphql", graphql),
            *(asset_routes() if settings.graphiql else []),  # GraphiQL's JS and CSS, from npm packages
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(TailorCORS, policy=origins),
            Middleware(
                BodyLimitMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_bytes,
                read_timeout_seconds=settings.request_read_timeout_seconds,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    return app
