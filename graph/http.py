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

from graph.context import Services
from graph.errors import error_response
from graph.logs import request_id
from storage.db import ping

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


class BodyLimitMiddleware:
    """Refuses bodies over the limit while they stream in, before anything parses them.

    JSON bodies get `max_body_bytes`; multipart uploads get `max_upload_bytes` plus form overhead.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_multipart = max_upload_bytes + MULTIPART_OVERHEAD_BYTES

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

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, f"The request body is larger than {limit} bytes")
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def health_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(_: Request) -> Response:
        """Liveness that means something: the database (and Redis, when configured) answer."""
        checks: dict[str, str] = {}
        for name, check in (("database", lambda: ping(services.engine)), ("redis", _redis_ping(services))):
            if check is None:
                continue
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                    await check()
                checks[name] = "ok"
            except Exception:  # noqa: BLE001 - any failure is "unreachable"; the log says which
                log.exception("health check of %s failed", name)
                checks[name] = "unreachable"
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if healthy else "unavailable", **checks}, 200 if healthy else 503)

    return healthz


def _redis_ping(services: Services) -> Callable[[], Awaitable[Any]] | None:
    redis = services.redis
    return None if redis is None else (lambda: redis.ping())
