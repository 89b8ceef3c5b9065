"""The HTTP edge: bad requests answer GraphQL errors with codes, limits, CORS, request ids, health."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_client_schema, get_introspection_query

from domain.errors import ERROR_CODES
from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

JSON = {"content-type": "application/json"}
STANDARD_OPTIONS = [
    "specified_by_url",
    "directive_is_repeatable",
    "schema_description",
    "input_value_deprecation",
    "one_of",
]


def assert_error_body(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert error_codes(body) == [code], body
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestBadRequests:
    async def test_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/graphql", content=b'{"query": "{ me', headers=JSON)
        assert_error_body(response, 400, "BAD_USER_INPUT")

    async def test_non_graphql_bodies(self, client: httpx.AsyncClient) -> None:
        for body in [
            b"[]",
            b'"just a string"',
            b"42",
            b"null",
            b'{"query": 7}',
            b'{"query": "{ me }", "variables": 3}',
        ]:
            response = await client.post("/graphql", content=body, headers=JSON)
            assert_error_body(response, 400, "BAD_USER_INPUT")
        # An object without a query is a GraphQL request with nothing to run.
        assert_error_body(
            await client.post("/graphql", content=b'{"variables": {}}', headers=JSON), 200, "BAD_USER_INPUT"
        )

    async def test_invalid_utf8_body(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/graphql", content=b'{"query": "{ __typename }\xff"}', headers=JSON)
        assert_error_body(response, 400, "BAD_USER_INPUT")
        assert response.headers["x-request-id"]

    async def test_lone_surrogates_anywhere(self, gql: GraphQL, client: httpx.AsyncClient) -> None:
        raw = b'{"query": "{ __typename }", "operationName": "\\ud800"}'
        response = await client.post("/graphql", content=raw, headers=JSON)
        assert_error_body(response, 200, "BAD_USER_INPUT")
        mutation = 'mutation ($p: String!) { register(email: "s@example.com", password: $p) { token } }'
        payload = json.dumps({"query": mutation, "variables": {"p": "\ud800" * 9}})  # ASCII escapes on the wire
        body = (await client.post("/graphql", content=payload, headers=JSON)).json()
        assert error_codes(body) == ["BAD_USER_INPUT"]

    async def test_unsupported_content_type(self, client: httpx.AsyncClient) -> None:
        for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/graphql", ""]:
            response = await client.post("/graphql", content=b"query=x", headers={"content-type": content_type})
            assert_error_body(response, 415, "UNSUPPORTED_MEDIA_TYPE")

    async def test_unknown_operation_name(self, client: httpx.AsyncClient) -> None:
        document = "query A { me { id } } query B { me { email } }"
        for payload in [{"query": document, "operationName": "C"}, {"query": document}]:
            body = assert_error_body(await client.post("/graphql", json=payload), 200, "BAD_USER_INPUT")
            assert body["data"] is None

    async def test_syntax_and_validation_errors(self, gql: GraphQL) -> None:
        assert error_codes(await gql("{ me { id ")) == ["GRAPHQL_PARSE_FAILED"]
        assert error_codes(await gql("{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]
        body = await gql("mutation ($e: String!) { register(email: $e, password: 5) { token } }", {"e": 1})
        assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}  # validation stops before the variables

    async def test_wrong_variable_types(self, gql: GraphQL) -> None:
        body = await gql(
            "mutation ($e: String!, $p: String!) { register(email: $e, password: $p) { token } }",
            {"e": {"x": 1}, "p": None},
        )
        assert body["errors"] and set(error_codes(body)) == {"BAD_USER_INPUT"}

    async def test_deeply_nested_variables_are_refused(self, client: httpx.AsyncClient) -> None:
        deep: Any = []
        for _ in range(600):  # past Python's recursion in the GraphQL library, were it walked
            deep = [deep]
        for variables in [{"x": deep}, {"x": {"a": deep}}]:  # undeclared: still checked
            response = await client.post("/graphql", json={"query": "{ __typename }", "variables": variables})
            assert_error_body(response, 200, "BAD_USER_INPUT")

    async def test_subscriptions_over_http_are_refused(self, client: httpx.AsyncClient) -> None:
        subscription = 'subscription { improveResume(resumeId: "r", jobId: "j") { status } }'
        for response in [
            await client.post("/graphql", json={"query": subscription}),
            await client.get("/graphql", params={"query": subscription}),
        ]:
            body = assert_error_body(response, 200, "BAD_USER_INPUT")
            assert "websocket" in body["errors"][0]["message"]

    async def test_mutation_over_get_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/graphql", params={"query": 'mutation { login(email: "a@b.co", password: "x") { token } }'}
        )
        assert response.status_code in (400, 405)
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]

    async def test_query_over_get(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/graphql", params={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}

    async def test_other_methods(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/graphql", json={"query": "{ __typename }"})
        assert_error_body(response, 405, "BAD_USER_INPUT")
        assert response.headers["allow"] == "GET, POST"

    async def test_oversize_batches_are_refused(self, client: httpx.AsyncClient, settings: Any) -> None:
        batch = [{"query": "{ __typename }"}] * (settings.max_batch_operations + 1)  # more in test_graphql_over_http
        assert_error_body(await client.post("/graphql", json=batch), 400, "BAD_USER_INPUT")

    async def test_oversize_body_declared(self, client: httpx.AsyncClient, settings: Any) -> None:
        padding = "x" * (settings.max_body_bytes + 10)
        response = await client.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": padding}})
        body = assert_error_body(response, 413, "PAYLOAD_TOO_LARGE")
        assert str(settings.max_body_bytes) in body["errors"][0]["message"]

    async def test_oversize_body_streamed_without_length(self, client: httpx.AsyncClient, settings: Any) -> None:
        chunk = b" " * 65536

        async def stream() -> Any:
            yield b'{"query": "{ __typename }",'
            for _ in range(settings.max_body_bytes // len(chunk) + 2):
                yield chunk
            yield b'"variables": {}}'

        response = await client.post("/graphql", content=stream(), headers=JSON)
        assert_error_body(response, 413, "PAYLOAD_TOO_LARGE")

    async def test_deep_query_is_too_complex(self, gql: GraphQL, settings: Any) -> None:
        # __type -> fields -> type -> ofType ... nests as deep as we like without real types.
        depth = settings.max_query_depth + 2
        inner = "name"
        for _ in range(depth):
            inner = f"ofType {{ {inner} }}"
        body = await gql(f'{{ __type(name: "User") {{ fields {{ type {{ {inner} }} }} }} }}')
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert "levels deep" in body["errors"][0]["message"]

    async def test_depth_counts_through_fragments(self, gql: GraphQL, settings: Any) -> None:
        inner = "name"
        for _ in range(settings.max_query_depth):
            inner = f"ofType {{ {inner} }}"
        query = f'{{ __type(name: "User") {{ ...F }} }} fragment F on __Type {{ fields {{ type {{ {inner} }} }} }}'
        assert error_codes(await gql(query)) == ["QUERY_TOO_COMPLEX"]
        shallow = '{ __type(name: "User") { ...F } } fragment F on __Type { fields { name type { name } } }'
        assert "errors" not in await gql(shallow)

    async def test_standard_introspection_queries_pass(self, gql: GraphQL) -> None:
        """What GraphiQL, Apollo and codegen send (graphql-js's own run in tests/graph/test_js_clients.py)."""
        for options in [{}, dict.fromkeys(STANDARD_OPTIONS, True)]:
            body = await gql(get_introspection_query(**options))
            assert "errors" not in body, body
            schema = build_client_schema(body["data"])
            assert {"me", "jobs", "profile"} <= set(schema.query_type.fields)

    async def test_introspection_abuse_is_too_complex(self, gql: GraphQL, settings: Any) -> None:
        full = get_introspection_query(descriptions=True)
        fan_out = "query Fan { " + " ".join(f"s{i}: __schema {{ ...S }}" for i in range(3)) + " }"
        fragments = full[full.index("fragment FullType") :]
        abuses = {
            "fan-out": fan_out + " fragment S on __Schema { types { ...FullType } } " + fragments,
            "ofType chain": get_introspection_query(type_depth=settings.max_introspection_type_depth + 1),
            "type cycle": '{ __type(name: "User") { fields { type { fields { type { fields { name } } } } } } }',
            "fragment bomb": '{ __type(name: "User") { ...F0 } } '
            + " ".join(f"fragment F{i} on __Type {{ a: name ...F{i + 1} b: kind ...F{i + 1} }}" for i in range(40))
            + " fragment F40 on __Type { name }",
        }
        for name, query in abuses.items():
            body = await gql(query)
            assert set(error_codes(body)) == {"QUERY_TOO_COMPLEX"}, (name, body)
            assert body.get("data") is None

    async def test_fragment_bombs_are_refused(self, gql: GraphQL, settings: Any) -> None:
        """Each fragment spreads the next twice: 2^60 fields written out, refused without expanding them."""
        bomb = "{ me { ...F0 } } " + " ".join(
            f"fragment F{i} on User {{ a{i}: id ...F{i + 1} b{i}: email ...F{i + 1} }}" for i in range(60)
        )
        body = await gql(bomb + " fragment F60 on User { id }")
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert f"more than {settings.max_query_aliases} aliases" in body["errors"][0]["message"]

    async def test_alias_bomb_is_too_complex(self, gql: GraphQL, settings: Any) -> None:
        aliases = " ".join(f"a{i}: __typename" for i in range(settings.max_query_aliases + 1))
        assert error_codes(await gql(f"{{ {aliases} }}")) == ["QUERY_TOO_COMPLEX"]
        allowed = " ".join(f"a{i}: __typename" for i in range(settings.max_query_aliases))
        assert "errors" not in await gql(f"{{ {allowed} }}")

    async def test_token_limit_is_too_complex(self, gql: GraphQL, settings: Any) -> None:
        fields = " ".join(["__typename"] * (settings.max_query_tokens + 1))
        assert error_codes(await gql(f"{{ {fields} }}")) == ["QUERY_TOO_COMPLEX"]

    async def test_query_length_limit(self, gql: GraphQL, settings: Any) -> None:
        query = "{ __typename }" + " " * settings.max_query_chars
        assert error_codes(await gql(query)) == ["QUERY_TOO_COMPLEX"]

    async def test_fragment_cycles_are_refused(self, gql: GraphQL) -> None:
        body = await gql("{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }")
        assert error_codes(body) and set(error_codes(body)) <= {"GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"}

    async def test_directive_overload_is_refused(self, gql: GraphQL, settings: Any) -> None:
        repeated = " ".join("@include(if: true)" for _ in range(50))
        body = await gql(f"{{ __typename {repeated} }}")
        assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"} and len(body["errors"]) <= 100  # capped
        unknown = " ".join(f"@d{i}" for i in range(settings.max_query_tokens))  # past the token limit
        refused = error_codes(await gql(f"{{ __typename {unknown} }}"))
        assert refused == ["QUERY_TOO_COMPLEX"]  # one error, no flood

    async def test_field_duplication_is_bounded(self, gql: GraphQL, settings: Any) -> None:
        many = " ".join(["__typename"] * (settings.max_query_tokens + 1))
        assert error_codes(await gql(f"{{ {many} }}")) == ["QUERY_TOO_COMPLEX"]
        some = " ".join(["__typename"] * 100)  # duplicates merge: answered once
        assert await gql(f"{{ {some} }}") == {"data": {"__typename": "Query"}}

    async def test_every_code_is_known(self, gql: GraphQL) -> None:
        for query in ["{", "{ me { nope } }", "{ me(x: 1) { id } }", "query ($v: Int) { __typename }"]:
            codes = error_codes(await gql(query))
            assert codes and set(codes) <= set(ERROR_CODES), query


async def test_unexpected_errors_are_masked_and_logged(
    gql: GraphQL, app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = (await register(gql))["token"]

    async def broken(_: str) -> None:
        raise RuntimeError("secret database detail")

    monkeypatch.setattr(app.state.services.accounts, "user_for_token", broken)
    with caplog.at_level(logging.ERROR, logger="tailor.errors"):
        response = await gql.client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"},
        )
    body = response.json()
    assert error_codes(body) == ["INTERNAL"]
    assert body["errors"][0]["extensions"]["requestId"] == "req-42"
    assert "secret database detail" not in response.text
    logged = [r for r in caplog.records if r.name == "tailor.errors"]
    assert len(logged) == 1
    assert logged[0].request_id == "req-42"  # type: ignore[attr-defined]
    assert logged[0].exc_info and "secret database detail" in str(logged[0].exc_info[1])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_crash_outside_execution_is_a_coded_500(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any) -> None:
        raise RuntimeError("context exploded")

    view = next(route.app for route in app.routes if getattr(route, "path", "") == "/graphql")
    monkeypatch.setattr(view, "get_context", broken)
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "r-1"})
    body = assert_error_body(response, 500, "INTERNAL")
    assert "r-1" in body["errors"][0]["message"] and "exploded" not in response.text
    assert response.headers["x-request-id"] == "r-1"


async def test_slow_operations_time_out(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, database_url, operation_timeout_seconds=0.2)
    async with running(create_app(settings)) as app, http_client(app) as client:
        token = (await register(GraphQL(client)))["token"]

        async def slow(_: str) -> None:
            await asyncio.sleep(5)

        monkeypatch.setattr(app.state.services.accounts, "user_for_token", slow)
        body = await GraphQL(client)("{ me { id } }", token=token)
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert "0.2 seconds" in body["errors"][0]["message"]
        modern = {"authorization": f"Bearer {token}", "accept": "application/graphql-response+json"}
        stopped = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=modern)
        assert stopped.status_code == 200 and stopped.json()["data"] is None  # it ran: no request error


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "bad id\n"})
    assert len(made.headers["x-request-id"]) == 32


async def test_healthz_checks_the_database(client: httpx.AsyncClient, app: Any) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_healthz_checks_redis_when_configured(tmp_path: Path, database_url: str) -> None:
    from tests.support.databases import REDIS_URL

    for redis_url, expected in [(REDIS_URL, 200), ("redis://127.0.0.1:1/0", 503)]:
        app = create_app(make_settings(tmp_path, database_url, redis_url=redis_url))
        async with running(app), http_client(app) as client:
            response = await client.get("/healthz")
        assert response.status_code == expected
        assert response.json()["redis"] == ("ok" if expected == 200 else "unreachable")


async def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "postgresql+asyncpg://nobody@127.0.0.1:1/none", migrate_on_start=False)
    app = create_app(settings)
    async with running(app), http_client(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cors_allows_configured_origins_only(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, cors_origins=["https://app.example.com"])
    async with running(create_app(settings)) as app, http_client(app) as client:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-requested-with,graphql-preflight",
        }
        ok = await client.options("/graphql", headers={"Origin": "https://app.example.com", **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        bad = await client.options("/graphql", headers={"Origin": "https://evil.example.com", **preflight})
        assert "access-control-allow-origin" not in bad.headers
        body = assert_error_body(bad, 403, "ORIGIN_NOT_ALLOWED")
        assert "TAILOR_CORS_ORIGINS" in body["errors"][0]["message"]
        unknown_header = {**preflight, "Access-Control-Request-Headers": "x-unknown"}
        odd = await client.options("/graphql", headers={"Origin": "https://app.example.com", **unknown_header})
        assert_error_body(odd, 400, "BAD_USER_INPUT")
        simple = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://app.example.com"}
        )
        assert simple.headers["access-control-allow-origin"] == "https://app.example.com"
        exposed = simple.headers["access-control-expose-headers"].lower()
        assert {"x-request-id", "x-tailor-warning", "content-disposition"} <= set(exposed.split(", "))
        local = await client.options("/graphql", headers={"Origin": "http://localhost:5173", **preflight})
        assert local.status_code == 403  # configured origins replace the development default


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cors_allows_development_origins_on_loopback(tmp_path: Path, database_url: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for host, env, allowed in [("127.0.0.1", "development", True), ("0.0.0.0", "development", False)] + [
        ("127.0.0.1", "production", False)  # behind a proxy production listens on loopback too: no default
    ]:
        settings = make_settings(tmp_path, database_url, host=host, env=env)
        async with running(create_app(settings)) as app, http_client(app) as client:
            for origin in ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"]:
                response = await client.options("/graphql", headers={"Origin": origin, **preflight})
                assert (response.status_code == 200) is allowed, (host, origin)
            for origin in ["https://localhost:5173", "http://localhost.evil.com", "http://evil.com"]:
                response = await client.options("/graphql", headers={"Origin": origin, **preflight})
                assert response.status_code == 403, (host, origin)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_introspection_and_graphiql_switches(tmp_path: Path, database_url: str) -> None:
    browser = {"Accept": "text/html"}
    async with running(create_app(make_settings(tmp_path, database_url))) as app, http_client(app) as client:
        assert "graphiql" in (await client.get("/graphql", headers=browser)).text.lower()
        body = (await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})).json()
        assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

    off = make_settings(tmp_path, database_url, introspection=False, graphiql=False)
    async with running(create_app(off)) as app, http_client(app) as client:
        page = await client.get("/graphql", headers=browser)
        assert page.status_code == 404
        assert error_codes(page.json()) == ["BAD_USER_INPUT"]
        body = (await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})).json()
        assert body.get("data") is None and set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
        assert all("introspection" in error["message"].lower() for error in body["errors"])
        typo = (await client.post("/graphql", json={"query": "{ mee { id } }"})).json()
        assert "Did you mean" not in json.dumps(typo)
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).json() == {
            "data": {"__typename": "Query"}
        }
