"""The per-account storage quota: uploads of resumes and samples past it are refused with nothing
stored, `storageStats.quota` reports it, and concurrent uploads cannot both slip past."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from domain.quotas import UploadKind
from graph.server.app import create_app
from tests.support.client import GraphQL, error_codes
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAYA = (FIXTURES / "resumes" / "maya_chen.txt").read_bytes()
DANIEL = (FIXTURES / "resumes" / "daniel_okafor.txt").read_bytes()
LETTER = (FIXTURES / "samples" / "cover_letter_maya.txt").read_bytes()
RESUME = "mutation ($file: Upload!) { uploadResume(file: $file) { deduplicated resume { id fileSize } } }"
SAMPLE = """mutation ($file: Upload!) {
  uploadSample(documentType: COVER_LETTER, file: $file) { id characterCount } }"""
STATS = """{ storageStats { resumes { total } samples { total }
  quota { bytesUsed bytesLimit filesUsed filesLimit } } }"""


@asynccontextmanager
async def served(tmp_path: Path, database_url: str, **overrides: Any) -> AsyncIterator[tuple[Starlette, GraphQL]]:
    app = create_app(make_settings(tmp_path, database_url, **overrides))
    async with running(app), http_client(app) as client:
        yield app, GraphQL(client)


async def signed_in(gql: GraphQL, email: str = "maya@example.com") -> GraphQL:
    return gql.as_user((await register(gql, email))["token"])


async def upload(gql: GraphQL, query: str, content: bytes, name: str = "file.txt") -> dict[str, Any]:
    response = await gql.upload(query, {}, content, name)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def blob_count(app: Starlette) -> int:
    root = app.state.services.settings.data_dir / "blobs"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def quota_error(body: dict[str, Any]) -> dict[str, Any]:
    assert error_codes(body) == ["QUOTA_EXCEEDED"], body
    assert body["data"] is None
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


async def test_the_file_limit_refuses_uploads_and_stores_nothing(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, storage_quota_files=2) as (app, gql):
        maya = await signed_in(gql)
        first = await upload(maya, RESUME, MAYA)
        assert "errors" not in first, first
        sample = (await upload(maya, SAMPLE, LETTER))["data"]["uploadSample"]
        stats = (await maya(STATS))["data"]["storageStats"]
        assert stats["quota"] == {
            "bytesUsed": len(MAYA) + sample["characterCount"],
            "bytesLimit": 200 * 1024 * 1024,
            "filesUsed": 2,
            "filesLimit": 2,
        }
        blobs = blob_count(app)

        refused = quota_error(await upload(maya, RESUME, DANIEL))
        assert refused["quota"] == "FILES" and refused["limit"] == 2 and refused["used"] == 2
        assert quota_error(await upload(maya, SAMPLE, LETTER))["quota"] == "FILES"
        stats = (await maya(STATS))["data"]["storageStats"]
        assert stats["resumes"]["total"] == 1 and stats["samples"]["total"] == 1 and stats["quota"]["filesUsed"] == 2
        assert blob_count(app) == blobs  # the refused file was not kept

        # The resume you already have adds nothing: it is answered even at the limit.
        again = await upload(maya, RESUME, MAYA)
        assert "errors" not in again and again["data"]["uploadResume"]["deduplicated"] is True
        # Quotas are per account.
        bob = await signed_in(gql, "bob@example.com")
        assert "errors" not in await upload(bob, RESUME, DANIEL)
        # Deleting makes room.
        await maya("mutation ($id: ID!) { deleteSample(id: $id) }", {"id": sample["id"]})
        assert "errors" not in await upload(maya, RESUME, DANIEL)


async def test_the_byte_limit_refuses_resumes_and_samples(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, storage_quota_bytes=len(MAYA) + 100) as (app, gql):
        maya = await signed_in(gql)
        assert "errors" not in await upload(maya, RESUME, MAYA)
        refused = quota_error(await upload(maya, RESUME, DANIEL))
        assert refused == {
            "code": "QUOTA_EXCEEDED",
            "quota": "BYTES",
            "limit": len(MAYA) + 100,
            "used": len(MAYA),
            "requested": len(DANIEL),
        }
        assert quota_error(await upload(maya, SAMPLE, LETTER))["quota"] == "BYTES"
        assert "errors" not in await upload(maya, SAMPLE, LETTER[:90])  # what fits is taken
        stats = (await maya(STATS))["data"]["storageStats"]
        assert stats["resumes"]["total"] == 1 and stats["samples"]["total"] == 1
        assert stats["quota"]["bytesUsed"] <= stats["quota"]["bytesLimit"] and blob_count(app) == 1


async def test_an_upload_under_way_counts_against_the_quota(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, storage_quota_files=1) as (app, gql):
        registered = await register(gql)
        maya = gql.as_user(registered["token"])
        user = await app.state.services.accounts.user_for_token(registered["token"])
        quotas = app.state.services.quotas
        # Another upload of hers is between its check and its row: there is no room for a second.
        async with quotas.reserve(user, b"still being stored", UploadKind.SAMPLE):
            assert quota_error(await upload(maya, RESUME, MAYA))["quota"] == "FILES"
        assert "errors" not in await upload(maya, RESUME, MAYA)  # the reservation ended unused

        # Two uploads at once with room for one: exactly one is stored.
        bob = await signed_in(gql, "bob@example.com")
        bodies = await asyncio.gather(upload(bob, RESUME, MAYA), upload(bob, RESUME, DANIEL))
        assert sorted(error_codes(body) for body in bodies) == [[], ["QUOTA_EXCEEDED"]]
        assert (await bob(STATS))["data"]["storageStats"]["quota"]["filesUsed"] == 1
