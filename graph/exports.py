"""`GET /generations/{id}.{txt|md|docx|pdf}`: a generated document as a file, for its owner only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from domain.errors import DomainError, Unauthenticated
from domain.exports import export, file_name
from graph.context import Services, bearer_token
from graph.errors import error_response
from graph.logs import request_id

log = logging.getLogger("tailor.exports")

HTTP_STATUS = {"UNAUTHENTICATED": 401, "NOT_FOUND": 404, "BAD_USER_INPUT": 400}


def export_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is None:
                raise Unauthenticated("Send your token as 'Authorization: Bearer <token>'")
            user = await services.accounts.user_for_token(token)
            generation = await services.generations.get(user, request.path_params["generation_id"])
            kind = "resume" if generation.document_type == "RESUME" else "cover-letter"
            title = " - ".join(part for part in (kind.replace("-", " ").title(), generation.job_title) if part)
            stem = file_name(kind, generation.company, generation.job_title)
            file = await asyncio.to_thread(
                export,
                generation.content_text,
                generation.content_markdown,
                request.path_params["extension"],
                title,
                stem,
                services.settings.pdf_font_dir,
            )
        except DomainError as exc:
            response = error_response(HTTP_STATUS.get(exc.code, 400), exc.message, exc.code)
            if exc.code == "UNAUTHENTICATED":
                response.headers["www-authenticate"] = "Bearer"
            return response
        except Exception:  # noqa: BLE001 - logged with the request id; the client gets no traceback
            log.exception("export failed", extra={"request_id": request_id.get()})
            return error_response(500, f"Internal error (request {request_id.get()})", "INTERNAL")
        headers = {
            "content-disposition": f'attachment; filename="{file.filename}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        }
        if not file.complete:
            headers["x-tailor-warning"] = "The PDF font lacks some characters of this document; they show as ?"
        return Response(
            file.content,
            media_type=file.media_type,
            headers=headers,
        )

    return download
