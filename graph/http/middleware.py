"""HTTP plumbing around the GraphQL view: request ids, access log, body limits, health."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import RETRY_AFTER_SECONDS, error_response, log_outage, outage
from graph.logs import request_id

access_log = logging.getLogger("tailor.access")
log = logging.getLogger("tailor.http")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEALTH_TIMEOUT_SECONDS = 3.0
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # form fields and part headers around an upload


class RequestIdMiddleware:
    """Takes a sane incoming `X-Request-ID` or makes one, echoes it, and logs each request once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            path = scope["path"]  # never the query string: signed download links carry `?token=` there
            if path.startswith("/exports/"):  # the path holds a download token: never log it
                path = "/exports/<token>/" + path.rsplit("/", 1)[-1]
            access_log.info(
                "%s %s %s",
                scope.get("method", "WEBSOCKET"),
                path,
                status or "-",
                extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
            )
            request_id.reset(token)


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(BodyTooLarge):
    """The body did not arrive in time. A kind of BodyTooLarge so that whatever lets an oversized body
    through to BodyLimitMiddleware (graph/http/view.py re-raises BodyTooLarge) lets a slow one through too."""


class BodyLimitMiddleware:
    """Refuses bodies over the limit while they stream in, before anything parses them.

    JSON bodies get `max_body_bytes`; multipart uploads get `max_upload_bytes` plus form overhead. The
    whole body must arrive within `read_timeout_seconds` of the headers (a client trickling it, or
    stopping half-way, holds the request no longer): else 408, and the connection closes.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int, read_timeout_seconds: float = 30.0
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_multipart = max_upload_bytes + MULTIPART_OVERHEAD_BYTES
        self.read_timeout = read_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.max_multipart if multipart else self.max_body
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(limit, scope, receive, send)
            return
        received = 0
        started = False
        complete = False
        deadline = asyncio.get_running_loop().time() + self.read_timeout

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete:  # after the body, receive() waits for a disconnect: no deadline for that
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooSlow:
            if started:
                raise
            response = error_response(408, f"The request's body did not arrive within {self.read_timeout:g} seconds")
            response.headers["connection"] = "close"
            await response(scope, receive, send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, f"The request body is larger than {limit} bytes")
        response.headers["connection"] = "close"
        await response(scope, receive, send)


HealthCheck = Callable[[], Awaitable[Any]]


def health_endpoint(checks: dict[str, HealthCheck]) -> Callable[[Request], Awaitable[Response]]:
    """`checks`: what must answer, by name (the database; Redis when configured), wired by graph/server/app.py."""

    async def healthz(_: Request) -> Response:
        """Liveness that means something: the database (and Redis, when configured) answer. When one does
        not: 503 with `code` SERVICE_UNAVAILABLE, `retryAfter` and a Retry-After header, like the API."""
        answers: dict[str, str] = {}
        for name, check in checks.items():
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                    await check()
                answers[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure is "unreachable"; the log says which
                if outage(exc) is not None:
                    log_outage(exc, f"the health check of {name}")
                else:
                    log.exception("health check of %s failed", name)
                answers[name] = "unreachable"
        if all(value == "ok" for value in answers.values()):
            return JSONResponse({"status": "ok", **answers})
        body = {"status": "unavailable", **answers, "code": "SERVICE_UNAVAILABLE", "retryAfter": RETRY_AFTER_SECONDS}
        return JSONResponse(body, 503, headers={"retry-after": str(RETRY_AFTER_SECONDS)})

    return healthz
