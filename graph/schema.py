"""The schema: every feature's Query/Mutation merged, with limits, error codes and a timeout."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError, OperationType
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from graph.accounts import AccountMutation, AccountQuery
from graph.analyses import AnalysisQuery
from graph.enhancement import EnhancementMutation
from graph.errors import as_graphql_error, coded_error, log_unexpected, to_api_error
from graph.feedback import FeedbackMutation, FeedbackQuery
from graph.generations import GenerationMutation, GenerationQuery
from graph.http.media import TimedOut
from graph.http.operation_checks import introspects_only, parses, precheck
from graph.improvements import ImprovementMutation, ImprovementQuery, ImprovementSubscription
from graph.insights import InsightQuery
from graph.jobs import JobMutation, JobQuery
from graph.limits import schema_extensions
from graph.persisted import PersistedQueries
from graph.personal_data import PersonalDataMutation
from graph.profiles import ProfileMutation, ProfileQuery
from graph.ranking import RankingMutation, RankingQuery
from graph.resumes import ResumeMutation, ResumeQuery
from graph.samples import SampleMutation, SampleQuery
from graph.server.settings import WebSettings

Query = merge_types(
    "Query",
    (
        AccountQuery,
        JobQuery,
        ProfileQuery,
        SampleQuery,
        ResumeQuery,
        RankingQuery,
        GenerationQuery,
        AnalysisQuery,
        ImprovementQuery,
        FeedbackQuery,
        InsightQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        JobMutation,
        ProfileMutation,
        SampleMutation,
        ResumeMutation,
        RankingMutation,
        EnhancementMutation,
        GenerationMutation,
        ImprovementMutation,
        FeedbackMutation,
        PersonalDataMutation,
    ),
)
Subscription = merge_types("Subscription", (ImprovementSubscription,))


INTROSPECTION_CACHE = 16  # distinct introspection documents answered from memory


class TailorSchema(strawberry.Schema):
    """Adds what Strawberry lacks, on HTTP (`execute`) and websockets (`stream`) alike: a code on
    every error, whichever stage raised it (an extension's `on_operation` misses parse errors);
    checks before execution; and a time limit on queries and mutations."""

    def __init__(self, settings: WebSettings, persisted: PersistedQueries | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.persisted = persisted or PersistedQueries(None, max_chars=settings.max_query_chars)
        self.operation_timeout = settings.operation_timeout_seconds
        self._introspection: OrderedDict[tuple[str, str | None], ExecutionResult] = OrderedDict()
        self.max_query_chars = settings.max_query_chars
        self.max_query_tokens = settings.max_query_tokens

    def _precheck(self, query: Any, args: tuple[Any, ...], kwargs: dict[str, Any], *, streaming: bool) -> Any:
        variables = kwargs.get("variable_values", args[0] if args else None)
        operation_name = kwargs.get("operation_name")
        return precheck(
            query,
            variables,
            operation_name,
            max_chars=self.max_query_chars,
            max_tokens=self.max_query_tokens,
            streaming=streaming,
        )

    def _introspection_key(self, query: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Introspection answers depend on the schema alone, which never changes in a process: the
        standard query (about 50 ms of resolving) is answered once and then from memory."""
        variables = kwargs.get("variable_values", args[0] if args else None)
        operation_name = kwargs.get("operation_name")
        if (
            variables
            or not isinstance(query, str)
            or not introspects_only(query, operation_name, self.max_query_tokens)
        ):
            return None
        return (query, operation_name)

    def _timed_out(self) -> list[GraphQLError]:
        message = f"The operation took longer than {self.operation_timeout:g} seconds and was stopped"
        return [coded_error(message, "QUERY_TOO_COMPLEX")]

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        resolved = await self.persisted.resolve(query, kwargs.get("operation_extensions"))
        if resolved.errors:
            return PreExecutionError(data=None, errors=resolved.errors)
        query = resolved.query
        errors, _ = self._precheck(query, args, kwargs, streaming=False)
        if errors:
            return PreExecutionError(data=None, errors=errors)
        cache_key = self._introspection_key(query, args, kwargs)
        if cache_key is not None and (cached := self._introspection.get(cache_key)) is not None:
            return cached
        try:
            async with asyncio.timeout(self.operation_timeout):
                result = await super().execute(query, *args, **kwargs)
        except TimeoutError:
            return TimedOut(data=None, errors=self._timed_out())
        if cache_key is not None and not result.errors:
            self._introspection[cache_key] = result
            while len(self._introspection) > INTROSPECTION_CACHE:
                self._introspection.popitem(last=False)
        if resolved.register and query and not isinstance(result, PreExecutionError):
            await self.persisted.register(resolved.register, query)  # only documents that validated
        if result.errors:
            code = request_error_code(query, self.max_query_tokens, result)
            result.errors = [to_api_error(error, code) for error in result.errors]
        return result

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """The websocket path: the same checks, codes and (for queries and mutations) time limit."""
        resolved = await self.persisted.resolve(query, kwargs.get("operation_extensions"))
        if resolved.errors:
            return _one(PreExecutionError(data=None, errors=resolved.errors))
        query = resolved.query
        errors, kind = self._precheck(query, args, kwargs, streaming=True)
        if errors:
            return _one(PreExecutionError(data=None, errors=errors))
        try:
            source = await super().stream(query, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - Strawberry raises request errors here; they get codes
            error = as_graphql_error(exc)
            log_unexpected([error])
            return _one(PreExecutionError(data=None, errors=[to_api_error(error, self._raised_code(query))]))
        timeout = None if kind is OperationType.SUBSCRIPTION else self.operation_timeout
        return self._coded(source, timeout, query)

    async def _coded(self, source: AsyncGenerator[Any, None], limit: float | None, query: str) -> AsyncIterator[Any]:
        async with aclosing(source):
            while True:
                try:
                    async with asyncio.timeout(limit):
                        result = await anext(source)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    yield TimedOut(data=None, errors=self._timed_out())
                    return
                except Exception as exc:  # noqa: BLE001 - e.g. a parse error raised by the parser cache
                    error = as_graphql_error(exc)
                    log_unexpected([error])
                    yield PreExecutionError(data=None, errors=[to_api_error(error, self._raised_code(query))])
                    return
                if getattr(result, "errors", None):
                    code = request_error_code(query, self.max_query_tokens, result)
                    result.errors = [to_api_error(error, code) for error in result.errors]
                yield result

    def _raised_code(self, query: str | None) -> str:
        """The code of a request error Strawberry raised rather than returned (the websocket path)."""
        return (
            "GRAPHQL_PARSE_FAILED"
            if isinstance(query, str) and not parses(query, self.max_query_tokens)
            else "BAD_USER_INPUT"
        )

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_unexpected(errors)  # expected errors are answers, not incidents


async def _one(result: Any) -> AsyncIterator[Any]:
    yield result


def request_error_code(query: str | None, max_tokens: int, result: Any) -> str:
    """The code of an uncoded error without a path: Apollo's names for a document that does not parse
    or validate (Strawberry reports both before execution), BAD_USER_INPUT for variable values."""
    if not isinstance(result, PreExecutionError) or not isinstance(query, str):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED" if parses(query, max_tokens) else "GRAPHQL_PARSE_FAILED"


def build_schema(settings: WebSettings, persisted: PersistedQueries | None = None) -> TailorSchema:
    return TailorSchema(
        settings,
        persisted,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=schema_extensions(settings),
        config=StrawberryConfig(
            disable_field_suggestions=not settings.introspection,
            batching_config={"max_operations": settings.max_batch_operations},
        ),
    )


def export_sdl() -> str:
    """The SDL committed as `schema.graphql` (settings do not change the types)."""
    return build_schema(WebSettings()).as_str() + "\n"
