"""The one place errors become API errors: every error leaves with an `extensions.code`."""

from __future__ import annotations

import errno
import json
import logging
import re
import socket
from collections.abc import Iterator
from typing import Any

import asyncpg
import redis.exceptions
from graphql import GraphQLError
from sqlalchemy import exc as sql
from starlette.responses import JSONResponse
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, NextStep, ServiceUnavailable
from graph.logs import request_id

log = logging.getLogger("tailor.errors")

TOKEN_LIMIT = "Document contains more than"  # graphql-core's max_tokens parse error
NESTING_LIMIT = "Document is nested too deeply"  # graphql-core's parser refuses deeper documents
HTTP_STATUS_CODES = {
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}
RETRY_AFTER_SECONDS = 5  # what SERVICE_UNAVAILABLE suggests: about one connect timeout
# SQLSTATE classes of a server that cannot serve now: connection exception, insufficient resources (too
# many connections, disk full), operator intervention (statement_timeout, shutting down), system error.
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "58")
NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EHOSTDOWN,
        errno.EADDRNOTAVAIL,
        errno.EPIPE,
    }
)
# Where an exception passed tells which backend failed (a raw TimeoutError or OSError carries no name).
BACKEND_MODULES = {
    "asyncpg": "database",
    "aiosqlite": "database",
    "sqlite3": "database",
    "sqlalchemy": "database",
    "redis": "Redis",
}


# The operation that performs each next step a domain error can ask for (domain/errors.py).
NEXT_STEP_OPERATIONS: dict[NextStep, str] = {NextStep.RANK: "rankContent", NextStep.IMPROVE: "improveResume"}


def api_field(path: str) -> str:
    """A domain field path as the API names the argument: each segment in camelCase, the way Strawberry
    names arguments and input fields (`custom_prompt` → `customPrompt`, `links.0.url` unchanged)."""
    return ".".join(to_camel_case(segment) for segment in path.split("."))


def api_message(error: DomainError) -> str:
    """The error's message as the API says it: the fields it names (the segments of `field` and of
    `mentions`) in the API's spelling, and its next step as the operation to run."""
    names = {
        segment: to_camel_case(segment)
        for path in (error.field or "", *error.mentions)
        for segment in path.split(".")
        if to_camel_case(segment) != segment
    }
    message = error.message
    if names:
        pattern = r"(?<!\w)(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?!\w)"
        message = re.sub(pattern, lambda match: names[match.group(1)], message)
    if error.next_step is not None:
        message = f"{message}: run {NEXT_STEP_OPERATIONS[error.next_step]}"
    return message


def coded_error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


# Strawberry's own "the request is wrong" exceptions, raised before execution.
REQUEST_ERRORS = (
    ValueError,
    TypeError,
    GraphQLError,
    MissingQueryError,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)


def as_graphql_error(exc: Exception) -> GraphQLError:
    return exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc`, then what it wraps: explicit causes and SQLAlchemy's driver error (`orig`)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        orig = getattr(exc, "orig", None)
        exc = orig if isinstance(orig, BaseException) else exc.__cause__


def _is_outage(exc: BaseException) -> bool:
    """Whether `exc` means a backend refused, dropped or did not answer (rather than a bug of ours)."""
    if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return True  # BusyLoadingError is a ConnectionError too
    if isinstance(exc, (sql.OperationalError, sql.TimeoutError, sql.DisconnectionError)):
        return True  # a pool timeout, SQLite's "database is locked" or "unable to open database file"
    if isinstance(exc, sql.DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in UNAVAILABLE_SQLSTATES:
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(exc):
        return True
    if isinstance(exc, (TimeoutError, ConnectionError, socket.gaierror)):
        return True  # TimeoutError: asyncpg's connect and command timeouts, asyncio.timeout around a backend
    # asyncio reports every refused address of a host name at once, as a plain OSError without errno
    return type(exc) is OSError and (exc.errno in NETWORK_ERRNOS or str(exc).startswith("Multiple exceptions"))


def _backend(exc: BaseException) -> str | None:
    """The backend an exception came from: by its type's module, else by the deepest frame of its
    traceback in a backend's library (where it was raised, not the transactions it passed through)."""
    causes = list(_causes(exc))
    modules = [type(cause).__module__ for cause in causes]
    for cause in causes:
        frames: list[str] = []
        tb = cause.__traceback__
        while tb is not None:
            frames.append(str(tb.tb_frame.f_globals.get("__name__", "")))
            tb = tb.tb_next
        modules.extend(reversed(frames))
    for module in modules:
        root = module.partition(".")[0]
        if root in BACKEND_MODULES:
            return BACKEND_MODULES[root]
    return None


def outage_cause(exc: BaseException | None) -> BaseException | None:
    """The exception, among `exc` and what it wraps, that says a backend is unreachable, or None."""
    return next((cause for cause in _causes(exc) if _is_outage(cause)), None)


def outage(exc: BaseException | None) -> ServiceUnavailable | None:
    """The one classification of backend outages, for every path (GraphQL over HTTP and websockets,
    downloads, /healthz): a ServiceUnavailable with a plain message (no driver text, host or password)
    when `exc` means the database or Redis refused, dropped or did not answer in time; else None."""
    if isinstance(exc, ServiceUnavailable):
        return exc
    if exc is None or isinstance(exc, DomainError) or outage_cause(exc) is None:
        return None
    backend = _backend(exc)
    what = f"The {backend}" if backend == "database" else backend or "A service Tailor depends on"
    return ServiceUnavailable(
        f"{what} is not answering; try again in {RETRY_AFTER_SECONDS} seconds", retry_after=RETRY_AFTER_SECONDS
    )


def log_outage(exc: BaseException, where: str) -> None:
    """One warning line, no traceback: an outage fails many requests, each would repeat the same stack.
    Names the error type and the driver's message (never the SQL, whose parameters hold user data)."""
    cause = outage_cause(exc) or exc
    driver = cause.orig if isinstance(cause, sql.DBAPIError) else cause  # without the statement
    detail = str(driver).replace("\n", " ")[:200]
    log.warning(
        "%s unavailable during %s: %s%s",
        _backend(exc) or "a backend",
        where,
        type(cause).__name__,
        f" ({detail})" if detail else "",
        extra={"request_id": request_id.get()},
    )


def start_failure(exc: BaseException, database: str, connect_timeout: float, statement_timeout: float) -> str | None:
    """One log line for a database that cannot be reached at start-up, naming the setting that bounded
    the wait (`database` is the URL with its password hidden); None when `exc` is no outage."""
    cause = outage_cause(exc)
    if cause is None:
        return None
    driver = cause.orig if isinstance(cause, sql.DBAPIError) else cause
    if isinstance(driver, (TimeoutError, sql.TimeoutError)) or getattr(driver, "sqlstate", None) == "57014":
        why = (
            f"did not answer within TAILOR_DATABASE_CONNECT_TIMEOUT_SECONDS={connect_timeout:g} "
            f"(or a statement within TAILOR_DATABASE_STATEMENT_TIMEOUT_SECONDS={statement_timeout:g})"
        )
    else:
        detail = str(driver).replace("\n", " ")[:200]
        why = f"cannot be reached ({type(driver).__name__}{': ' + detail if detail else ''}); check TAILOR_DATABASE_URL"
    return f"tailor cannot start: the database {database} {why}"


def is_unexpected(error: GraphQLError) -> bool:
    """A failure of ours rather than of the request.

    Domain errors are answers. Errors without a path come from parsing, validation or variable
    coercion: the request was wrong. Anything else raised while resolving is our bug.
    """
    original = error.original_error
    if isinstance(original, DomainError) or (error.extensions and "code" in error.extensions):
        return False
    if error.path is None:
        return original is not None and not isinstance(original, REQUEST_ERRORS)
    return True


def to_api_error(error: GraphQLError, request_code: str = "BAD_USER_INPUT") -> GraphQLError:
    """A new error (cached validation errors must not be mutated) with its code and safe message;
    `request_code` for an uncoded error of the request itself (parse, validation, variables)."""
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {"code": original.code}
        if original.field:
            extensions["field"] = api_field(original.field)
        extensions.update(original.details)
        message = api_message(original)
    elif error.extensions and "code" in error.extensions:
        return error
    elif (unavailable := outage(original)) is not None:
        extensions, message = {"code": unavailable.code, **unavailable.details}, unavailable.message
    elif is_unexpected(error):
        rid = request_id.get()
        extensions = {"code": "INTERNAL"}
        if rid:
            extensions["requestId"] = rid
        message = f"Internal server error (request id {rid})" if rid else "Internal server error"
    elif TOKEN_LIMIT in error.message or NESTING_LIMIT in error.message:
        extensions, message = {"code": "QUERY_TOO_COMPLEX"}, error.message
    else:
        extensions, message = {"code": request_code if error.path is None else "BAD_USER_INPUT"}, error.message
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **extensions},
    )


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            original = error.original_error
            if original is not None and outage(original) is not None:
                log_outage(original, ".".join(map(str, error.path or [])) or "operation")
                continue
            log.error(
                "unexpected error resolving %s",
                ".".join(map(str, error.path or [])) or "operation",
                exc_info=(type(original), original, original.__traceback__) if original else None,
                extra={"request_id": request_id.get()},
            )


class AsciiJSONResponse(JSONResponse):
    """Escapes non-ASCII, so an echoed lone surrogate cannot break the encoding into a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_response(status: int, message: str, code: str | None = None) -> JSONResponse:
    """A GraphQL-shaped error body for failures before execution (bad JSON, size, method)."""
    code = code or HTTP_STATUS_CODES.get(status, "BAD_USER_INPUT")
    response = AsciiJSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)
    if status == 405:
        response.headers["allow"] = "GET, POST"
    return response


def unavailable_response(error: ServiceUnavailable) -> JSONResponse:
    """503 with the code, `retryAfter` and a `Retry-After` header, for the plain HTTP endpoints."""
    extensions = {"code": error.code, "retryAfter": error.retry_after}
    response = AsciiJSONResponse({"errors": [{"message": error.message, "extensions": extensions}]}, 503)
    response.headers["retry-after"] = str(error.retry_after)
    return response
