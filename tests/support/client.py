"""A GraphQL client over HTTP (JSON and multipart uploads) and the error codes of an answer: what every
API test sends its operations through."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class GraphQL:
    """POSTs operations as JSON and returns the decoded body (asserting a JSON answer)."""

    client: httpx.AsyncClient
    token: str | None = None

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, status: int = 200
    ) -> dict[str, Any]:
        headers = {}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def as_user(self, token: str) -> GraphQL:
        return GraphQL(self.client, token)

    async def upload(
        self, query: str, variables: dict[str, Any], content: bytes, filename: str, *, preflight: bool = True
    ) -> httpx.Response:
        """A GraphQL multipart request: `variables.file` is the uploaded file."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if preflight:
            headers["Apollo-Require-Preflight"] = "true"
        operations = json.dumps({"query": query, "variables": {**variables, "file": None}})
        return await self.client.post(
            "/graphql",
            data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
            files={"0": (filename, content, "application/octet-stream")},
            headers=headers,
        )


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]
