"""The Strawberry ASGI view, adapted: our context, websocket auth, and JSON errors for HTTP failures."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from domain.errors import DomainError
from graph.context import Context, Services
from graph.errors import error_response
from graph.schema import TailorSchema


class TailorGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: TailorSchema, services: Services) -> None:
        settings = services.settings
        protocols = [GRAPHQL_TRANSPORT_WS_PROTOCOL]
        if settings.legacy_graphql_ws:
            protocols.append(GRAPHQL_WS_PROTOCOL)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=protocols,
            allowed_origins=settings.cors_origins,
        )
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:  # Strawberry answers these in plain text; clients expect GraphQL errors
            response = error_response(exc.status_code, exc.reason)
        except DomainError as exc:  # raised while building the context, e.g. a garbled Authorization header
            response = error_response(400, exc.message, exc.code)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """Strawberry assumes an object or a list; anything else would crash it into a 500."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object with a `query`")
        return parsed

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
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        return {"userId": user.id if user else None}
