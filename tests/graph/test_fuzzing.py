"""Property-based fuzzing from `schema.graphql` (hypothesis-graphql): queries and mutations with valid
and invalid arguments, as a logged-in user with data and anonymously. Whatever comes, the answer is
JSON, never a 500, every error carries a known code and none is INTERNAL, and the server still answers
afterwards. The budget fits CI (the same examples every run); `make fuzz` runs a longer, random one
(TAILOR_FUZZ_EXAMPLES, TAILOR_FUZZ_RANDOM=1)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from domain.errors import ERROR_CODES
from graph.server.app import create_app
from tests.support.settings import make_settings

SCHEMA = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
EXAMPLES = int(os.environ.get("TAILOR_FUZZ_EXAMPLES", "60"))
UPLOADS = {"uploadResume", "uploadSample", "importJobs"}  # multipart only: the upload tests cover them
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - UPLOADS)  # type: ignore[union-attr]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=os.environ.get("TAILOR_FUZZ_RANDOM") != "1",  # CI: the same operations every run, reproducible
)


class Server:
    """The app on a loop of its own, so hypothesis can drive it from a plain test function."""

    def __init__(self, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(make_settings(root, None, index_worker=False))
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.loop.run_until_complete(self._lifespan.__aenter__())
        transport = httpx.ASGITransport(app=self.app, client=("203.0.113.9", 50000))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://tailor.test", timeout=60)
        self.token = self._register()

    def _register(self) -> str:
        body = self.post(
            'mutation { register(email: "fuzz@example.com", password: "fuzzing password") { token } }', None
        )
        token: str = body["data"]["register"]["token"]
        job = "Title: Backend Engineer\nCompany: Acme\n\nRequirements\n- 3+ years of Python and PostgreSQL\n"
        self.post("mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", token, {"t": job})
        self.post('mutation { updateProfile(input: {fullName: "Fuzz Tester"}) { id } }', token)
        return token

    def post(self, query: str, token: str | None, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.loop.run_until_complete(
            self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        )
        assert response.status_code < 500, (query, response.status_code, response.text)
        body: dict[str, Any] = response.json()
        codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
        assert all(code in ERROR_CODES for code in codes), (query, body)
        assert "INTERNAL" not in codes, (query, body)
        return body

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("fuzz"))
    yield running
    assert running.post("{ __typename }", None) == {"data": {"__typename": "Query"}}  # still answering
    running.close()


def operations(root: str, mode: gql_st.Mode) -> st.SearchStrategy[str]:
    if root == "query":
        return gql_st.queries(SCHEMA, mode=mode).map(str)  # type: ignore[arg-type]
    return gql_st.mutations(SCHEMA, fields=MUTATIONS, mode=mode).map(str)  # type: ignore[arg-type]


@pytest.mark.parametrize("root", ["query", "mutation"])
@pytest.mark.parametrize("mode", [gql_st.Mode.POSITIVE, gql_st.Mode.NEGATIVE], ids=["valid", "invalid"])
def test_generated_operations_never_break_the_server(server: Server, root: str, mode: Any) -> None:
    @FUZZ
    @given(operation=operations(root, mode), logged_in=st.booleans())
    def check(operation: str, logged_in: bool) -> None:
        server.post(operation, server.token if logged_in else None)

    check()
