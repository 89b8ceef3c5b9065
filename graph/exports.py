"""Downloads over plain HTTP (bearer auth): `GET /generations/{id}.{txt|md|docx|pdf}`, a generated
document for its owner, by bearer header or by a signed link (`?token=`, no header, for `<a href>`);
`GET /feedback/export.csv` and `/feedback/export.jsonl`, the caller's feedback streamed a page at a
time (filters `minRating`, `since`)."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from domain import cpu
from domain.errors import BadInput, DomainError, ServiceUnavailable, Unauthenticated
from domain.exports import export, file_name
from domain.feedback import CSV_COLUMNS, csv_row, training_record
from graph.context import Services, bearer_token
from graph.errors import api_message, error_response, log_outage, outage, unavailable_response
from graph.logs import request_id
from storage.accounts import User

log = logging.getLogger("tailor.exports")

HTTP_STATUS = {"UNAUTHENTICATED": 401, "NOT_FOUND": 404, "BAD_USER_INPUT": 400}
CHUNK_CHARS = 64 * 1024


async def caller(services: Services, request: Request) -> User:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated("Send your token as 'Authorization: Bearer <token>'")
    return await services.accounts.user_for_token(token)


def generation_path(generation_id: str, extension: str) -> str:
    """Where a generation downloads; a signed link is bound to exactly this path."""
    return f"/generations/{generation_id}.{extension}"


async def generation_reader(services: Services, request: Request) -> User:
    """The bearer header's account or, with `?token=`, the account of a signed link for this very path
    (the link alone decides then: a header does not rescue a bad link)."""
    link = request.query_params.get("token")
    if link is None:
        return await caller(services, request)
    path = generation_path(request.path_params["generation_id"], request.path_params["extension"])
    return await services.accounts.user_for_download(link, path)


def failure(exc: DomainError) -> Response:
    if isinstance(exc, ServiceUnavailable):
        return unavailable_response(exc)
    response = error_response(HTTP_STATUS.get(exc.code, 400), api_message(exc), exc.code)
    if exc.code == "UNAUTHENTICATED":
        response.headers["www-authenticate"] = "Bearer"
    return response


def unexpected(what: str) -> Response:
    """For an `except Exception` block: a backend outage answers 503 SERVICE_UNAVAILABLE with Retry-After
    (one warning line logged), anything else a logged INTERNAL."""
    exc = sys.exc_info()[1]
    unavailable = outage(exc)
    if exc is not None and unavailable is not None:
        log_outage(exc, what)
        return unavailable_response(unavailable)
    log.exception("%s failed", what, extra={"request_id": request_id.get()})
    return error_response(500, f"Internal error (request {request_id.get()})", "INTERNAL")


def export_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        try:
            user = await generation_reader(services, request)
            generation = await services.generations.get(user, request.path_params["generation_id"])
            kind = "resume" if generation.document_type == "RESUME" else "cover-letter"
            title = " - ".join(part for part in (kind.replace("-", " ").title(), generation.job_title) if part)
            stem = file_name(kind, generation.company, generation.job_title)
            file = await cpu.run(  # PDF and DOCX rendering is pure Python: off the event loop
                export,
                generation.content_text,
                generation.content_markdown,
                request.path_params["extension"],
                title,
                stem,
                services.settings.pdf_font_dir,
            )
        except DomainError as exc:
            return failure(exc)
        except Exception:  # noqa: BLE001 - logged with the request id; the client gets no traceback
            return unexpected("export")
        headers = {
            "content-disposition": f'attachment; filename="{file.filename}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",  # a signed link's token stays out of Referer headers
        }
        if not file.complete:
            headers["x-tailor-warning"] = "The PDF font lacks some characters of this document; they show as ?"
        return Response(
            file.content,
            media_type=file.media_type,
            headers=headers,
        )

    return download


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInput("since must be an ISO date or date-time, e.g. 2026-01-31", field="since") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not 1900 <= moment.year <= 9000:
        raise BadInput("since must be a date between the years 1900 and 9000", field="since")
    return moment.astimezone(UTC)


def _min_rating(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):  # "²".isdigit() is true, and int("²") raises
        raise BadInput("minRating must be a whole number from 1 to 5", field="minRating")
    return int(value)


def feedback_export_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    """CSV (one header row, then a row a piece of feedback) or JSON Lines (a chat-format fine-tuning
    record a line), oldest first, streamed: the server holds one page of rows at a time."""

    async def download(request: Request) -> Response:
        kind = request.path_params["extension"]
        try:
            if kind not in ("csv", "jsonl"):
                raise BadInput("Export as .csv or .jsonl", field="extension")
            user = await caller(services, request)
            rows = services.feedback.export_rows(
                user, _min_rating(request.query_params.get("minRating")), _since(request.query_params.get("since"))
            )
        except DomainError as exc:
            return failure(exc)
        except Exception:  # noqa: BLE001 - logged with the request id; the client gets no traceback
            return unexpected("feedback export")

        async def body() -> AsyncIterator[bytes]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            if kind == "csv":
                writer.writerow(CSV_COLUMNS)
            async for row in rows:
                if kind == "csv":
                    writer.writerow(csv_row(row))
                else:
                    buffer.write(json.dumps(training_record(row), ensure_ascii=False) + "\n")
                if buffer.tell() >= CHUNK_CHARS:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
            if buffer.tell():
                yield buffer.getvalue().encode()

        media = "text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson"
        headers = {
            "content-disposition": f'attachment; filename="tailor-feedback.{kind}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        }
        return StreamingResponse(body(), media_type=media, headers=headers)

    return download
