"""The personal-data archive is written to disk and served from there: its memory does not grow with
its size, its file goes when served, and only so many are built or downloaded at once."""

from __future__ import annotations

import io
import secrets
import tracemalloc
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from graph.server.app import create_app
from storage.blobs import content_hash
from storage.db import transaction
from storage.resumes import Resume, ResumeRepository
from tests.support.client import GraphQL
from tests.support.people import register
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

EXPORT = "mutation { exportMyData { url } }"
BLOB_BYTES = 3 * 1024 * 1024
BLOBS = 5  # 15 MiB of incompressible uploads


@asynccontextmanager
async def served(tmp_path: Path, database_url: str, **overrides: Any) -> AsyncIterator[tuple[Starlette, GraphQL]]:
    app = create_app(make_settings(tmp_path, database_url, **overrides))
    async with running(app), http_client(app) as client:
        yield app, GraphQL(client)


async def with_large_uploads(app: Starlette, user_id: str) -> list[str]:
    """Resumes whose files are large and random (stored as an upload would be: blob first, then row)."""
    services = app.state.services
    digests = []
    for n in range(BLOBS):
        content = secrets.token_bytes(BLOB_BYTES)
        digest = await services.personal_data._blobs.put(content)
        async with transaction(services.sessions) as session:
            ResumeRepository(session).add(
                Resume(
                    user_id=user_id,
                    content_hash=digest,
                    filename=f"big-{n}.pdf",
                    media_type="application/pdf",
                    file_size=len(content),
                    text="A large resume",
                    parsed={},
                    candidate_name=None,
                )
            )
        digests.append(digest)
    return digests


async def test_the_archive_is_built_on_disk_without_holding_it(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url) as (app, gql):
        registered = await register(gql)
        services = app.state.services
        user = await services.accounts.user_for_token(registered["token"])
        digests = await with_large_uploads(app, user.id)
        token = services.personal_data.export_link(user).token
        copy = tmp_path / "downloaded.zip"

        tracemalloc.start()
        try:
            archive = await services.personal_data.archive(token)
            assert not any((services.settings.data_dir / "exports").iterdir())  # its file has no name
            with copy.open("wb") as out:
                async for chunk in archive.chunks():
                    out.write(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        size = copy.stat().st_size
        assert size == archive.size and size > BLOBS * BLOB_BYTES
        assert peak < size / 4, (peak, size)  # a fixed working set (about 1.5 MB), whatever the size
        with zipfile.ZipFile(copy) as zipped:
            uploads = sorted(n for n in zipped.namelist() if n.startswith("uploads/resumes/"))
            assert len(uploads) == BLOBS
            assert sorted(content_hash(zipped.read(n)) for n in uploads) == sorted(digests)
            assert zipped.testzip() is None


async def test_exports_in_flight_are_capped(tmp_path: Path, database_url: str) -> None:
    async with served(tmp_path, database_url, export_concurrency=1) as (app, gql):
        registered = await register(gql)
        maya = gql.as_user(registered["token"])
        services = app.state.services
        user = await services.accounts.user_for_token(registered["token"])
        first = await services.personal_data.archive(services.personal_data.export_link(user).token)
        url = (await maya(EXPORT))["data"]["exportMyData"]["url"]
        try:
            refused = await gql.client.get(url)  # the one slot is taken by the export being downloaded
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
            extensions = refused.json()["errors"][0]["extensions"]
            assert extensions["code"] == "RATE_LIMITED" and extensions["retryAfter"] >= 1
        finally:
            first.close()
        # The refusal did not spend the link; a finished download frees its slot.
        for link in (url, (await maya(EXPORT))["data"]["exportMyData"]["url"]):
            response = await gql.client.get(link)
            assert response.status_code == 200 and response.headers["content-length"] == str(len(response.content))
            assert "account.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
