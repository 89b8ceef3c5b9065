"""The web settings: the `TAILOR_*` knobs only the HTTP edge reads, on top of the domain's.

`WebSettings` extends `domain.settings.Settings` (same `TAILOR_` prefix, same config, same checks), so one
object read once at start serves both: the composition root (`app.py`, `cli.py`) builds a `WebSettings`
and hands it to the domain services as the `Settings` they take, while the edge reads its own fields
from it. Domain and storage code never read these (tests/test_layers.py checks it).
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from domain.settings import Settings

ORIGIN = re.compile(r"^https?://(\[[0-9a-f:.]+\]|[^/\s:\[\]]+)(:\d{1,5})?$", re.IGNORECASE)


class LogFormat(StrEnum):
    AUTO = "auto"  # text when stderr is a terminal, JSON otherwise
    TEXT = "text"
    JSON = "json"


class WebSettings(Settings):
    """The server's settings: the domain's, plus how the HTTP edge listens, limits and logs."""

    # The server: where it listens, its processes, its deadlines (graph/server/cli.py, graph/server/serving.py).
    host: str = Field(
        "127.0.0.1",
        description="Where `tailor serve` (and `make run`) listens; `--host` overrides it. In development a "
        "loopback host lets local pages call the server while `TAILOR_CORS_ORIGINS` is unset.",
    )
    port: int = Field(8000, ge=0, le=65535, description="The port `tailor serve` listens on; `--port` overrides it.")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="uvicorn worker processes. More than one needs `TAILOR_CHROMA_URL`, and should have "
        "`TAILOR_REDIS_URL` so throttles, session stamps and improvement events are shared.",
    )
    request_header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        description="A request's headers must arrive within this of the connection opening (or of its previous "
        "response); else 408 `REQUEST_TIMEOUT` and the connection closes.",
    )
    request_read_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="A request's body must arrive within this of its headers; else 408 `REQUEST_TIMEOUT` and "
        "the connection closes.",
    )
    shutdown_timeout_seconds: int = Field(10, ge=0, description="Grace period for open requests on SIGTERM.")

    # HTTP and websockets (graph/http/).
    cors_origins: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="Browser origins allowed for CORS and websockets (`scheme://host[:port]`; `a,b` or a JSON "
        "array). Unset: in development on a loopback host, `http://localhost:*` and `http://127.0.0.1:*`; "
        "otherwise none. Set it (even empty) to replace that default.",
    )
    graphiql: bool = Field(True, description="Serve GraphiQL to browsers at `/graphql`.")
    legacy_graphql_ws: bool = Field(
        False,
        description="Also accept the legacy `graphql-ws` websocket protocol (a bad token there gets "
        "`connection_error`).",
    )
    websocket_max_operations: int = Field(
        100,
        ge=1,
        le=10_000,
        description="Operations running at once on one websocket; one more gets an `error` frame with `RATE_LIMITED`.",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="JSON request body limit (413 beyond), and the largest websocket message."
    )
    max_upload_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        description="Largest uploaded file: a resume, or a JSON Lines file for `importJobs` (multipart "
        "requests get this plus form overhead).",
    )
    max_sample_bytes: int = Field(1024 * 1024, ge=1024, description="Largest uploaded writing sample.")

    # GraphQL documents and their execution (graph/schema.py, graph/limits.py, graph/persisted.py).
    introspection: bool = Field(True, description="Allow introspection (off also hides field suggestions).")
    max_query_depth: int = Field(
        12, ge=2, description="Field depth of ordinary fields (introspection has its own budget)."
    )
    max_query_tokens: int = Field(2000, ge=50, description="Tokens in a GraphQL document.")
    max_query_aliases: int = Field(15, ge=0, description="Aliases in an operation, fragments expanded.")
    max_query_chars: int = Field(20000, ge=100, description="Characters in a GraphQL document.")

    # Introspection's own budget (graph/limits.py).
    max_introspection_type_depth: int = Field(
        9, ge=1, le=50, description="Introspection's `ofType` chain (graphql-js's `typeDepth` is 9 by default)."
    )
    max_introspection_fields: int = Field(
        500,
        ge=10,
        description="Fields selected under `__schema`/`__type`, fragments expanded (the full standard "
        "introspection query selects about 230).",
    )
    max_batch_operations: int = Field(10, ge=1, le=100, description="Operations in one batched request (a JSON array).")
    persisted_query_chars: int = Field(
        4_000_000,
        ge=10_000,
        description="Without Redis: characters of automatic persisted queries kept in process memory (least "
        "recently used out). Documents over 16 KiB are never kept.",
    )
    persisted_query_entries: int = Field(
        5_000, ge=10, description="With Redis: how many automatic persisted queries it keeps."
    )
    persisted_query_days: int = Field(30, ge=1, description="With Redis: how long it keeps each persisted query.")
    trusted_documents: Path | None = Field(
        None,
        description="A manifest of trusted documents (Apollo's persisted query manifest, or a "
        "`{sha256: document}` object): when set, only the operations it lists run.",
    )
    operation_timeout_seconds: float = Field(
        120.0,
        gt=0,
        description="Queries and mutations (over HTTP or a websocket) running longer are stopped.",
    )

    # Logs (graph/logs.py).
    log_level: str = Field(
        "INFO",
        description="Log level. Libraries' routine lines (fontTools, httpx, sentence-transformers, chromadb) "
        "show from WARNING only.",
    )
    log_format: LogFormat = Field(
        LogFormat.AUTO,
        description="Logs on stderr: `text` (one readable line), `json` (one object a line), `auto` (text on "
        "a terminal, else JSON).",
    )
    log_json: bool | None = Field(
        None,
        description="The older switch: `true` is `json`, `false` `text`; read only while `TAILOR_LOG_FORMAT` "
        "is `auto`.",
    )

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

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is LogFormat.AUTO and self.log_json is not None:
            return LogFormat.JSON if self.log_json else LogFormat.TEXT
        return self.log_format

    @property
    def single_process(self) -> bool:
        """The embedded default (SQLite, embedded Chroma, one worker) admits no second process."""
        return self.workers == 1 and self.chroma_url is None and self.resolved_database_url.startswith("sqlite")
