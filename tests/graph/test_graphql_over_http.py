"""GraphQL over HTTP as clients speak it: the current media type and its status codes, Apollo's
automatic persisted queries (POST and GET), batches, trusted documents, and the document error codes."""

from __future__ import annotations

import json
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from graph.persisted import MAX_STORED_CHARS, TrustedDocumentsError, load_trusted_documents
from graph.schema import build_schema
from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

MODERN = {"accept": "application/graphql-response+json, application/json;q=0.9"}
LEGACY = {"accept": "application/json"}
ME = "query Me { me { email } }"


def digest(query: str) -> str:
    return sha256(query.encode()).hexdigest()


def apq(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest(query)}}


async def post(client: httpx.AsyncClient, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers or {})


@SQLITE
class TestMediaTypes:
    async def test_graphql_response_json_for_clients_that_accept_it(self, client: httpx.AsyncClient) -> None:
        ok = await post(client, {"query": "{ __typename }"}, MODERN)
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/graphql-response+json")
        assert ok.json() == {"data": {"__typename": "Query"}}
        legacy = await post(client, {"query": "{ __typename }"}, LEGACY)
        assert legacy.headers["content-type"].startswith("application/json")
        plain = await post(client, {"query": "{ __typename }"})  # no Accept: legacy JSON
        assert plain.headers["content-type"].startswith("application/json")

    async def test_request_errors_are_400_without_data(self, client: httpx.AsyncClient) -> None:
        cases = {
            "{ me { id ": "GRAPHQL_PARSE_FAILED",
            "{ nope }": "GRAPHQL_VALIDATION_FAILED",
            "query ($n: Int!) { jobs(first: $n) { totalCount } }": "BAD_USER_INPUT",  # a required variable missing
        }
        for query, code in cases.items():
            response = await post(client, {"query": query}, MODERN)
            assert response.status_code == 400, (query, response.text)
            body = response.json()
            assert "data" not in body and error_codes(body) == [code], (query, body)
            legacy = await post(client, {"query": query}, LEGACY)  # unchanged for application/json
            assert legacy.status_code == 200 and legacy.json()["data"] is None
            assert error_codes(legacy.json()) == [code]

    async def test_field_errors_keep_200_and_data(self, client: httpx.AsyncClient) -> None:
        response = await post(client, {"query": "{ jobs(first: 1) { totalCount } }"}, MODERN)
        assert response.status_code == 200
        body = response.json()
        assert "data" in body and error_codes(body) == ["UNAUTHENTICATED"]

    async def test_failures_before_parsing_use_the_media_type(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/graphql", content=b"{nope", headers={**MODERN, "content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]

    async def test_operation_name_must_be_a_string(self, client: httpx.AsyncClient) -> None:
        for name in [{"a": 1}, ["Me"], 3]:
            response = await post(client, {"query": ME, "operationName": name}, MODERN)
            assert response.status_code == 400 and error_codes(response.json()) == ["BAD_USER_INPUT"], name


@SQLITE
class TestPersistedQueries:
    async def test_apollo_protocol_over_post_and_get(self, client: httpx.AsyncClient) -> None:
        token = (await register(GraphQL(client)))["token"]
        auth = {"authorization": f"Bearer {token}", **MODERN}
        unknown = await post(client, {"extensions": apq(ME)}, auth)
        assert unknown.status_code == 200  # Apollo's links retry with the query on this code
        assert error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        sent = await post(client, {"query": ME, "extensions": apq(ME)}, auth)
        assert sent.json() == {"data": {"me": {"email": "ada@example.com"}}}
        by_hash = await post(client, {"extensions": apq(ME), "operationName": "Me"}, auth)
        assert by_hash.json() == sent.json()
        over_get = await client.get("/graphql", params={"extensions": json.dumps(apq(ME))}, headers=auth)
        assert over_get.status_code == 200 and over_get.json() == sent.json()
        browser_get = await client.get(
            "/graphql", params={"extensions": json.dumps(apq(ME))}, headers={"accept": "*/*"}
        )
        assert browser_get.json() == {"data": {"me": None}}  # a hash in the URL is never the GraphiQL page

    async def test_wrong_hashes_and_versions(self, client: httpx.AsyncClient) -> None:
        mismatch = {"persistedQuery": {"version": 1, "sha256Hash": digest("{ __typename }")}}
        assert error_codes((await post(client, {"query": ME, "extensions": mismatch})).json()) == ["BAD_USER_INPUT"]
        for persisted in [{"version": 2, "sha256Hash": digest(ME)}, {"version": 1, "sha256Hash": "x"}, "nope"]:
            body = (await post(client, {"extensions": {"persistedQuery": persisted}})).json()
            assert error_codes(body) == ["BAD_USER_INPUT"], persisted
        # A document that does not validate is not registered.
        bad = "{ nope }"
        assert error_codes((await post(client, {"query": bad, "extensions": apq(bad)})).json()) == [
            "GRAPHQL_VALIDATION_FAILED"
        ]
        assert error_codes((await post(client, {"extensions": apq(bad)})).json()) == ["PERSISTED_QUERY_NOT_FOUND"]

    async def test_the_store_is_bounded_in_characters(self, tmp_path: Path, database_url: str) -> None:
        settings = make_settings(tmp_path, database_url, persisted_query_chars=10_000)
        async with running(create_app(settings)) as app, http_client(app) as client:
            padding = "\n#" + "x" * 990  # a comment: characters that cost no tokens
            queries = [f"{{ a{i}: __typename }}{padding}" for i in range(12)]
            for query in queries:
                assert (await post(client, {"query": query, "extensions": apq(query)})).json()["data"]
            oldest = (await post(client, {"extensions": apq(queries[0])})).json()
            assert error_codes(oldest) == ["PERSISTED_QUERY_NOT_FOUND"]
            newest = (await post(client, {"extensions": apq(queries[-1])})).json()
            assert newest == {"data": {"a11": "Query"}}
            huge = "{ __typename }\n#" + "x" * (MAX_STORED_CHARS + 1)  # runs, but is not kept
            assert (await post(client, {"query": huge, "extensions": apq(huge)})).json()["data"]
            assert error_codes((await post(client, {"extensions": apq(huge)})).json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@SQLITE
class TestBatches:
    async def test_a_batch_answers_each_operation(self, client: httpx.AsyncClient) -> None:
        batch = [{"query": "{ __typename }"}, {"query": "{ nope }"}, {"query": ME}, {"extensions": apq("{ x }")}]
        response = await post(client, batch, MODERN)
        assert response.status_code == 200
        first, second, third, fourth = response.json()
        assert first == {"data": {"__typename": "Query"}}
        assert error_codes(second) == ["GRAPHQL_VALIDATION_FAILED"] and "data" not in second
        assert third == {"data": {"me": None}}
        assert error_codes(fourth) == ["PERSISTED_QUERY_NOT_FOUND"]

    async def test_each_operation_is_checked_like_a_single_one(self, client: httpx.AsyncClient, settings: Any) -> None:
        aliases = " ".join(f"a{i}: __typename" for i in range(settings.max_query_aliases + 1))
        body = (await post(client, [{"query": "{ __typename }"}, {"query": f"{{ {aliases} }}"}])).json()
        assert body[0] == {"data": {"__typename": "Query"}}
        assert error_codes(body[1]) == ["QUERY_TOO_COMPLEX"]

    async def test_batch_size_and_shape_are_limited(self, client: httpx.AsyncClient, settings: Any) -> None:
        too_many = [{"query": "{ __typename }"}] * (settings.max_batch_operations + 1)
        wrong_types = [{"query": "{ __typename }", "variables": "abc"}, {"query": 7}, {"extensions": []}]
        for batch in [too_many, [], [1, 2], [{"query": "{ __typename }"}, "x"], *([item] for item in wrong_types)]:
            response = await post(client, batch)
            assert response.status_code == 400 and error_codes(response.json()) == ["BAD_USER_INPUT"], batch
        allowed = [{"query": "{ __typename }"}] * settings.max_batch_operations
        assert len((await post(client, allowed)).json()) == settings.max_batch_operations


def manifest(tmp_path: Path, *documents: str, apollo: bool = True) -> Path:
    path = tmp_path / "trusted.json"
    if apollo:
        operations = [{"id": digest(d), "name": "op", "type": "query", "body": d} for d in documents]
        path.write_text(
            json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})
        )
    else:
        path.write_text(json.dumps({digest(d): d for d in documents}))
    return path


@SQLITE
async def test_trusted_documents_only(tmp_path: Path, database_url: str) -> None:
    path = manifest(tmp_path, ME, "{ __typename }")
    settings = make_settings(tmp_path, database_url, trusted_documents=path)
    async with running(create_app(settings)) as app, http_client(app) as client:
        assert (await post(client, {"extensions": apq(ME)})).json() == {"data": {"me": None}}  # by hash alone
        assert (await post(client, {"query": "{ __typename }"})).json() == {"data": {"__typename": "Query"}}
        for body in [{"query": "{ me { id } }"}, {"query": "{ x }", "extensions": apq("{ x }")}]:
            refused = await post(client, body, MODERN)
            assert refused.status_code == 400 and error_codes(refused.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]


def test_trusted_document_manifests_are_checked(tmp_path: Path) -> None:
    assert load_trusted_documents(manifest(tmp_path, ME, apollo=False)) == {digest(ME): ME}
    path = tmp_path / "bad.json"
    for content in ['{"abc": "{ me { id } }"}', "[1]", "{}", "not json"]:
        path.write_text(content)
        with pytest.raises(TrustedDocumentsError):
            load_trusted_documents(path)


async def test_introspection_is_answered_once_then_from_memory(tmp_path: Path) -> None:
    """The schema never changes in a process: the standard query resolves once (about 50 ms), then is
    served from memory; anything that reads data or takes variables is never cached."""
    schema = build_schema(make_settings(tmp_path))
    full = get_introspection_query(descriptions=True)
    first, second = await schema.execute(full), await schema.execute(full)
    assert first.errors is None and second is first
    typename = "{ __typename }"
    assert await schema.execute(typename) is not await schema.execute(typename)
    with_variables = "query ($n: String!) { __type(name: $n) { name } }"
    one = await schema.execute(with_variables, variable_values={"n": "User"})
    assert one.data == {"__type": {"name": "User"}}
    assert await schema.execute(with_variables, variable_values={"n": "Job"}) is not one
