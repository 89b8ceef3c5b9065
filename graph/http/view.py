"""The Strawberry ASGI view, adapted: our context, websocket auth and frame checks, and GraphQL-shaped
JSON errors for every HTTP failure (Strawberry answers some in plain text, and crashes on others)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from domain.errors import DomainError, ServiceUnavailable
from graph.context import Context, Services
from graph.errors import api_message, coded_error, error_response, log_outage, outage, unavailable_response
from graph.http.cors import OriginPolicy, refusal
from graph.http.media import (
    GRAPHQL_RESPONSE,
    JSON,
    accepts_graphql_response,
    graphql_response,
    is_request_error,
    status_of,
)
from graph.http.middleware import BodyTooLarge
from graph.http.uploads import PREFLIGHT_HEADERS
from graph.ide import page as graphiql_page
from graph.logs import request_id
from graph.schema import TailorSchema

log = logging.getLogger("tailor.http")
MAX_CLOSE_REASON = 123  # bytes a websocket close frame has room for
_OPTIONAL_OBJECT = (dict, type(None))


def valid_subscribe(message: dict[str, Any]) -> bool:
    payload = message.get("payload")
    return (
        isinstance(message.get("id"), str)
        and isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and isinstance(payload.get("variables"), _OPTIONAL_OBJECT)
        and isinstance(payload.get("operationName"), (str, type(None)))
        and isinstance(payload.get("extensions"), _OPTIONAL_OBJECT)
    )


def close_reason(text: str) -> str:
    """As much of `text` as a close frame has room for, cut on a character boundary."""
    return text.encode()[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Closes with 4400 on frames of the wrong shape instead of crashing the connection, and with 4403
    once a signed-in socket's identity no longer holds: checked before every operation, and about twice
    per `session_check_seconds` while the socket is open (so running subscriptions stop too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watch: asyncio.Task[None] | None = None

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.handle_invalid_message("Messages must be JSON objects with a string `type`")
        elif message["type"] == "subscribe" and not valid_subscribe(message):
            await self.handle_invalid_message("Invalid subscribe message")
        elif message["type"] == "subscribe" and self._over_limit(message["id"]):
            limit = self.max_subscriptions_per_connection
            error = coded_error(f"At most {limit} operations run at once on one connection", "RATE_LIMITED")
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
        elif message["type"] == "subscribe" and not await self._identity_holds():
            return  # closed with 4403: the operation never runs
        else:
            await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except Exception as exc:
            if (unavailable := outage(exc)) is None:
                raise
            # The token could not be checked: close with 1013 (try again later), not 4403 (forbidden).
            log_outage(exc, "a websocket's connection_init")
            with suppress(Exception):  # the client may have gone already
                await self.websocket.close(code=1013, reason=close_reason(unavailable.message))
            return
        if self.connection_acknowledged and self.context.signed_in_socket and self._watch is None:
            self._watch = asyncio.create_task(self._watch_identity())
            self._watch.add_done_callback(self._task_done)

    async def shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._watch
        await super().shutdown()

    async def _identity_holds(self) -> bool:
        """False (and the socket closed with 4403 and the reason) once the token has expired or the
        account is gone or signed out; a role change just refreshes the context's user."""
        if not (self.connection_acknowledged and self.context.signed_in_socket):
            return True
        try:
            await self.context.current_user()
        except DomainError as exc:
            for operation_id in list(self.operations):  # running subscriptions stop before the close
                await self.cleanup_operation(operation_id)
            with suppress(Exception):  # the client may have gone already
                await self.websocket.close(code=4403, reason=close_reason(api_message(exc)))
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. the database is down: the operation reports it, coded
            if outage(exc) is not None:
                log_outage(exc, "a websocket's identity check")  # one line, not a traceback a period
            else:
                log.warning("could not re-check a websocket's identity", exc_info=True)
        return True

    async def _watch_identity(self) -> None:
        """Closes the socket within about `session_check_seconds` of a sign-out, password change,
        deletion or expiry even when no new operation comes (through the shared per-process stamps,
        so many sockets of one account still cost one read per period)."""
        interval = self.context.services.settings.session_check_seconds / 2
        while True:
            await asyncio.sleep(interval)
            if not await self._identity_holds():
                return

    def _over_limit(self, operation_id: str) -> bool:
        """Strawberry's own refusal carries no code; ours does (a duplicate id is closed by Strawberry)."""
        limit = self.max_subscriptions_per_connection
        return (
            self.connection_acknowledged
            and limit is not None
            and operation_id not in self.operations
            and len(self.operations) >= limit
        )


class TailorGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, schema: TailorSchema, services: Services, origins: OriginPolicy) -> None:
        settings = services.settings
        protocols = [GRAPHQL_TRANSPORT_WS_PROTOCOL]
        if settings.legacy_graphql_ws:
            protocols.append(GRAPHQL_WS_PROTOCOL)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=protocols,
            multipart_uploads_enabled=True,
        )
        self.max_subscriptions_per_connection = settings.websocket_max_operations  # refused with RATE_LIMITED
        self.services = services
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        accept = Headers(scope=scope).get("accept", "")
        modern = accepts_graphql_response(accept)
        token = graphql_response.set(modern)
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason)
        except ServiceUnavailable as exc:
            response = unavailable_response(exc)
        except DomainError as exc:
            response = error_response(400, api_message(exc), exc.code)
        except BodyTooLarge:
            raise  # BodyLimitMiddleware answers 413
        except Exception as exc:  # noqa: BLE001 - last resort: a coded, logged error instead of a bare 500
            rid = request_id.get()
            if (unavailable := outage(exc)) is not None:  # e.g. Redis down while resolving a persisted query
                log_outage(exc, "a GraphQL request")
                response = unavailable_response(unavailable)
            else:
                log.exception("unexpected error handling a GraphQL request", extra={"request_id": rid})
                response = error_response(500, f"Internal server error (request id {rid})", "INTERNAL")
        finally:
            graphql_response.reset(token)
        if modern and response.media_type == JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE
        await response(scope, receive, send)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Cross-origin handshakes: the CORS rule (configured origins, or development ones on loopback)."""
        return self.origins.allows(origin)

    async def reject_websocket(self, request: WebSocket) -> WebSocket:
        """A refused origin gets a close code and reason a browser can show, not a bare 403: the socket
        is accepted only to be closed, before any message is read."""
        offered = request.scope.get("subprotocols") or []
        # Browsers fail a handshake that does not echo one of their subprotocols, hiding the reason.
        await request.accept(subprotocol=next((p for p in offered if p in self.websocket_subprotocols), None))
        await request.close(code=4403, reason=close_reason(refusal(request.headers.get("origin", "?"))))
        return request

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that carries a persisted query's hash (no `query`, any Accept)."""
        return request.query_params.get("extensions") is None and super().should_render_graphql_ide(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """With `application/graphql-response+json`, a request that never reached execution (parse,
        validation, variables, persisted query) has no `data`, as the spec asks."""
        body = await super().process_result(request, result)
        if graphql_response.get() and is_request_error(result):
            body.pop("data", None)
        return body

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if graphql_response.get() and isinstance(response_data, dict):
            response.status_code = status_of(response_data, response.status_code)
        return response

    def parse_json(self, data: str | bytes) -> Any:
        """Strawberry assumes UTF-8 holding an object or a list; anything else would be a 500."""
        try:
            parsed = super().parse_json(data)
        except (UnicodeDecodeError, RecursionError) as exc:
            raise HTTPException(400, "The request body is not valid UTF-8 JSON") from exc
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object with a `query`")
        if isinstance(parsed, list) and (not parsed or not all(isinstance(item, dict) for item in parsed)):
            raise HTTPException(400, "A batch must be a non-empty JSON array of operation objects")
        return parsed

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            multipart = self.multipart_uploads_enabled and content_type == "multipart/form-data"
            if "application/json" not in content_type and not multipart:
                raise HTTPException(415, "Send operations as application/json")
            if multipart and not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
                # A browser can send multipart cross-site without a preflight: demand a header it cannot.
                raise HTTPException(400, "Uploads need the header `Apollo-Require-Preflight: true`")
        data = await super().parse_http_body(request)
        for operation in data if isinstance(data, list) else [data]:  # Strawberry checks no batch item
            for name, value, kinds in [
                ("query", operation.query, (str, type(None))),
                ("operationName", operation.operation_name, (str, type(None))),
                ("variables", operation.variables, (dict, type(None))),
                ("extensions", operation.extensions, (dict, type(None))),
            ]:
                if not isinstance(value, kinds):
                    kind = "a string" if str in kinds else "an object"
                    raise HTTPException(400, f"The operation's `{name}` must be {kind} or null")
        return data

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page: every asset from this server, never a CDN (see graph/ide.py)."""
        return graphiql_page(request)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        authorization = None if isinstance(request, WebSocket) else request.headers.get("authorization")
        return Context(services=self.services, request=request, response=response, _authorization=authorization)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate from the `connection_init` payload; a bad token closes with 4403."""
        params = context.connection_params or {}
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is not None and not isinstance(authorization, str):
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": "authorization must be a string"})
        context._authorization = authorization
        try:
            user = await context.current_user()
        except DomainError as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": api_message(exc)}) from exc
        return {"userId": user.id if user else None}
