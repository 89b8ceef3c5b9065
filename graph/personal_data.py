"""The person's data at the edge: `exportMyData` (a short-lived download link), the download route
`GET /exports/{token}/tailor-data.zip`, and `deleteAccount(password)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from strawberry.types import Info

from domain.errors import DomainError, RateLimited
from domain.personal_data import Archive
from graph.context import Context, Services
from graph.errors import AsciiJSONResponse, api_message
from graph.exports import failure, unexpected
from graph.permissions import IsAuthenticated

ARCHIVE_NAME = "tailor-data.zip"


@strawberry.type(description="A link to download everything Tailor holds about you: it works once, for 10 minutes.")
class DataExport:
    url: str = strawberry.field(description="Relative to this server; needs no Authorization header.")
    expires_at: datetime


@strawberry.type
class PersonalDataMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="A download of all your data: a zip of JSON files (profile, jobs, samples, resumes, rankings, "
        "generations, analyses, scores, improvements, feedback) and the files you uploaded.",
    )
    async def export_my_data(self, info: Info[Context, None]) -> DataExport:
        user = await info.context.require_user()
        link = info.context.services.personal_data.export_link(user)
        return DataExport(url=f"/exports/{link.token}/{ARCHIVE_NAME}", expires_at=link.expires_at)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete your account and everything of yours: every record, every search-index entry and every "
        "uploaded file. Needs your password. Your tokens stop working at once.",
    )
    async def delete_account(self, info: Info[Context, None], password: str) -> bool:
        user = await info.context.require_user()
        await info.context.services.personal_data.delete_account(user, password, info.context.client_address)
        return True


class ArchiveResponse(StreamingResponse):
    """The archive read from its temporary file a chunk at a time; the file is closed (and so deleted)
    and its export slot freed however the response ends, a client gone mid-way included."""

    def __init__(self, archive: Archive, headers: dict[str, str]) -> None:
        super().__init__(
            archive.chunks(),
            media_type="application/zip",
            headers={**headers, "content-length": str(archive.size)},
        )
        self._archive = archive

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._archive.close()


def refusal(exc: DomainError) -> Response:
    """RATE_LIMITED is a 429 with `Retry-After` and `extensions.retryAfter`; the rest as other downloads."""
    if isinstance(exc, RateLimited):
        body = {"errors": [{"message": api_message(exc), "extensions": {"code": exc.code, **exc.details}}]}
        return AsciiJSONResponse(body, 429, headers={"retry-after": str(exc.retry_after)})
    return failure(exc)


def archive_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        try:
            archive = await services.personal_data.archive(request.path_params["token"])
        except DomainError as exc:
            return refusal(exc)
        except Exception:  # noqa: BLE001 - logged with the request id; the client gets no traceback
            return unexpected("data export")
        headers = {
            "content-disposition": f'attachment; filename="{ARCHIVE_NAME}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        }
        return ArchiveResponse(archive, headers)

    return download
