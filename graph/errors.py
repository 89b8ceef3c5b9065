"""The one place errors become API errors: every error leaves with an `extensions.code`."""

from __future__ import annotations

import json
import logging
from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from domain.errors import DomainError
from graph.logs import request_id

log = logging.getLogger("tailor.errors")

TOKEN_LIMIT = "Document contains more than"  # graphql-core's max_tokens parse error
NESTING_LIMIT = "Document is nested too deeply"  # graphql-core's parser refuses deeper documents
HTTP_STATUS_CODES = {413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED"}


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
            extensions["field"] = original.field
        extensions.update(original.details)
        message = original.message
    elif error.extensions and "code" in error.extensions:
        return error
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
