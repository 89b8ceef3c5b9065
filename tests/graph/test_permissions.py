"""`permission_classes=[IsAuthenticated]` is all a field needs to require a user."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.schema import TailorSchema
from tests.support.client import GraphQL
from tests.support.people import register
from tests.support.settings import make_settings


@strawberry.type
class GuardedQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def secret(self, info: Info[Context, None]) -> str:
        user = await info.context.require_user()
        return f"for {user.email}"


async def test_is_authenticated_guards_a_field(tmp_path, app: Any, gql: GraphQL) -> None:  # type: ignore[no-untyped-def]
    schema = TailorSchema(make_settings(tmp_path), query=GuardedQuery)
    services = app.state.services
    token = (await register(gql))["token"]

    async def run(authorization: str | None) -> Any:
        context = Context(services=services, request=None, _authorization=authorization)  # type: ignore[arg-type]
        return await schema.execute("{ secret }", context_value=context)

    anonymous = await run(None)
    assert anonymous.data is None
    assert anonymous.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert anonymous.errors[0].message == "You must be logged in"

    forged = await run("Bearer forged")
    assert forged.errors[0].extensions == {"code": "UNAUTHENTICATED"}

    allowed = await run(f"Bearer {token}")
    assert allowed.errors is None
    assert allowed.data == {"secret": "for ada@example.com"}
