"""Logging: one JSON object a line for machines, one readable line for people at a terminal; each
line carries the request id of its request. Libraries speak only when something is wrong."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Libraries that log routine work at INFO: fontTools ~24 lines a PDF, httpx every call to Groq (with its
# URL), sentence-transformers and transformers each model load, chromadb each collection it evicts from
# its cache (a person's feedback has a collection of its own), alembic its plugins.
NOISY = ("fontTools", "httpx", "sentence_transformers", "transformers", "chromadb", "alembic.runtime.plugins")

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    """What the call site added with `extra=`, the request id first."""
    found: dict[str, object] = {}
    if getattr(record, "request_id", None):
        found["request_id"] = record.request_id  # type: ignore[attr-defined]
    found.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
    return found


class TextFormatter(logging.Formatter):
    """`12:00:01 INFO    tailor.access: GET /graphql 200  request_id=… duration_ms=1.2`, traceback below."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = _extras(record)
        if extras:
            line += "  " + " ".join(f"{key}={value}" for key, value in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _migration_steps(record: logging.LogRecord) -> bool:
    """Alembic's "Running upgrade a -> b" is news; its "Context impl …" on every start is not."""
    return record.levelno > logging.INFO or record.getMessage().startswith("Running ")


def configure_logging(level: str = "INFO", log_format: str = "auto") -> None:
    """Replace the root handlers once; uvicorn's loggers propagate into it. `log_format` is `json`,
    `text`, or `auto`: text when stderr is a terminal (a person watching), JSON otherwise."""
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # graph/http/middleware.py writes the access log
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    migrations = logging.getLogger("alembic.runtime.migration")
    if _migration_steps not in migrations.filters:
        migrations.addFilter(_migration_steps)
