"""The schema: every feature's Query/Mutation merged, with limits, error codes and a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from domain.settings import Settings
from graph.accounts import AccountMutation, AccountQuery
from graph.errors import coded_error, log_unexpected, to_api_error
from graph.limits import schema_extensions

Query = merge_types("Query", (AccountQuery,))
Mutation = merge_types("Mutation", (AccountMutation,))


class TailorSchema(strawberry.Schema):
    """Adds what Strawberry lacks: error codes on every result, a per-operation time limit and a
    query length limit. (An extension's `on_operation` misses parse errors, so codes go on here.)"""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation_timeout = settings.operation_timeout_seconds
        self.max_query_chars = settings.max_query_chars

    def _too_long(self, query: str | None) -> list[GraphQLError] | None:
        if query is not None and len(query) > self.max_query_chars:
            return [coded_error(f"The query is longer than {self.max_query_chars} characters", "QUERY_TOO_COMPLEX")]
        return None

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        if errors := self._too_long(query):
            return ExecutionResult(data=None, errors=errors)
        try:
            async with asyncio.timeout(self.operation_timeout):
                result = await super().execute(query, *args, **kwargs)
        except TimeoutError:
            return ExecutionResult(
                data=None,
                errors=[
                    coded_error(
                        f"The operation took longer than {self.operation_timeout:g} seconds and was stopped",
                        "QUERY_TOO_COMPLEX",
                    )
                ],
            )
        if result.errors:  # every error leaves with a code, whichever stage raised it
            result.errors = [to_api_error(error) for error in result.errors]
        return result

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """The websocket path: the same codes on every streamed result."""
        if errors := self._too_long(query):
            return _one(PreExecutionError(data=None, errors=errors))
        return _coded(await super().stream(query, *args, **kwargs))

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_unexpected(errors)  # expected errors are answers, not incidents


async def _one(result: Any) -> AsyncIterator[Any]:
    yield result


async def _coded(source: AsyncGenerator[Any, None]) -> AsyncIterator[Any]:
    async with aclosing(source):
        async for result in source:
            if getattr(result, "errors", None):
                result.errors = [to_api_error(error) for error in result.errors]
            yield result


def build_schema(settings: Settings) -> TailorSchema:
    return TailorSchema(
        settings,
        query=Query,
        mutation=Mutation,
        extensions=schema_extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.introspection),
    )


def export_sdl() -> str:
    """The SDL committed as `schema.graphql` (settings do not change the types)."""
    return build_schema(Settings()).as_str() + "\n"
