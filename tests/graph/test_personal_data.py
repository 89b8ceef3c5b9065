"""Storage insights and the person's data: `storageStats` (own and, for ADMIN, global), `exportMyData`
and its download, and `deleteAccount`, proven complete in SQL, every vector collection and the blob
store, and completed on the next start when interrupted after the commit."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette

from graph.server.app import create_app
from storage.blobs import content_hash
from storage.models import metadata
from storage.outbox import OutboxTask
from storage.vectors import COLLECTIONS, OWNER_KINDS
from tests.support.client import GraphQL, error_codes
from tests.support.operations import MATCH, SUBMIT, UPLOAD, submit
from tests.support.people import register, subjects
from tests.support.servers import http_client, running
from tests.support.settings import make_settings
from tests.support.texts import JOB_TEXT, WEAK_RESUME

STATS = """{ storageStats { averageRating
  jobs { total newest { id title } } resumes { total newest { id } } samples { total newest { id } }
  analyses { total newest { id } } improvements { total newest { id } } generations { total newest { id } }
  feedback { total newest { id rating } }
  globalTotals { users jobs resumes samples analyses improvements generations feedback } } }"""
EXPORT = "mutation { exportMyData { url expiresAt } }"
DELETE = "mutation ($p: String!) { deleteAccount(password: $p) }"
PASSWORD = "correct horse"  # what tests.conftest.register uses


async def leftovers(app: Starlette, user_id: str) -> dict[str, int]:
    """Rows with the user's id in every table that has a user_id column, and their vectors everywhere."""
    found: dict[str, int] = {}
    async with app.state.services.sessions() as session:
        for table in metadata.sorted_tables:
            if "user_id" in table.c:
                count = await session.scalar(select(func.count()).select_from(table).where(table.c.user_id == user_id))
                if count:
                    found[table.name] = int(count)
        if await session.scalar(select(func.count()).select_from(metadata.tables["users"]).where(
            metadata.tables["users"].c.id == user_id
        )):  # fmt: skip
            found["users"] = 1
    index = app.state.services.indexer.index
    for collection in COLLECTIONS:
        ids = await index.owner_ids(collection, user_id)
        if ids:
            found[f"vectors:{collection}"] = len(ids)
    names = await index.collection_names()
    for kind in OWNER_KINDS:
        if f"{kind}-{user_id}" in names:
            found[f"vectors:{kind}"] = len(await index.owner_ids(f"{kind}-{user_id}", user_id))
    return found


async def test_storage_stats_own_and_global(gql: GraphQL) -> None:
    maya, _, ids = await subjects(gql)
    await maya(SUBMIT, submit("GENERATION", ids["GENERATION"], 4))
    await maya(SUBMIT, submit("ANALYSIS", ids["ANALYSIS"], 2))
    stats = (await maya(STATS))["data"]["storageStats"]
    assert stats["jobs"]["total"] == 1 and stats["jobs"]["newest"][0]["title"]
    assert stats["resumes"]["total"] == 2  # the profile's PDF and the weak resume
    assert stats["generations"]["total"] == 1 and stats["generations"]["newest"] == [{"id": ids["GENERATION"]}]
    assert stats["analyses"]["total"] == 1 and stats["improvements"]["total"] == 1
    assert stats["feedback"]["total"] == 2 and [f["rating"] for f in stats["feedback"]["newest"]] == [2, 4]
    assert stats["averageRating"] == 3.0 and stats["samples"]["total"] == 0
    assert stats["globalTotals"] is None  # not an admin
    eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
    empty = (await eve(STATS))["data"]["storageStats"]
    assert empty["jobs"] == {"total": 0, "newest": []} and empty["averageRating"] is None


async def test_admins_see_global_totals(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url))
    async with running(app), http_client(app) as client:
        gql = GraphQL(client)
        await register(gql, "someone@example.com")
        boss = await register(gql, "boss@example.com")
        await app.state.services.accounts.set_role("boss@example.com", "ADMIN")
        stats = (await gql.as_user(boss["token"])(STATS))["data"]["storageStats"]
    assert stats["globalTotals"]["users"] == 2 and stats["globalTotals"]["feedback"] == 0


async def test_export_my_data_is_a_one_purpose_download_of_everything(gql: GraphQL, client: httpx.AsyncClient) -> None:
    maya, job_id, ids = await subjects(gql)
    await maya(SUBMIT, submit("IMPROVEMENT", ids["IMPROVEMENT"], 5, comment="Helpful"))
    eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
    await eve("mutation ($t: String!) { createJob(input: {rawText: $t}) { id } }", {"t": "Title: Eve's job\n- Go"})
    link = (await maya(EXPORT))["data"]["exportMyData"]
    assert link["url"].startswith("/exports/") and link["expiresAt"]
    response = await client.get(link["url"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    account = json.loads(archive.read("account.json"))
    assert account["email"] == "maya@example.com" and "password_hash" not in account
    jobs = json.loads(archive.read("jobs.json"))
    assert [j["id"] for j in jobs] == [job_id]  # not Eve's
    assert json.loads(archive.read("feedback.json"))[0]["comment"] == "Helpful"
    assert [g["id"] for g in json.loads(archive.read("generations.json"))] == [ids["GENERATION"]]
    assert json.loads(archive.read("improvements.json"))[0]["id"] == ids["IMPROVEMENT"]
    assert json.loads(archive.read("experiences.json")) and json.loads(archive.read("profile.json"))
    resumes = json.loads(archive.read("resumes.json"))
    uploads = sorted(n for n in names if n.startswith("uploads/resumes/"))
    assert len(uploads) == len(resumes) == 2
    for resume in resumes:
        (name,) = [n for n in uploads if n.startswith(f"uploads/resumes/{resume['id']}-")]
        assert content_hash(archive.read(name)) == resume["content_hash"]  # the original bytes
    # The download token is no access token, and an access token is no download token.
    token = link["url"].split("/")[2]
    assert error_codes(await GraphQL(client, token)("{ me { id } }")) == ["UNAUTHENTICATED"]
    assert (await client.get(link["url"])).status_code == 401  # it worked once
    again = (await maya(EXPORT))["data"]["exportMyData"]["url"]
    assert again != link["url"] and (await client.get(again)).status_code == 200
    assert (await client.get(f"/exports/{maya.token}/tailor-data.zip")).status_code == 401
    assert (await client.get("/exports/forged/tailor-data.zip")).status_code == 401


async def test_delete_account_removes_everything_of_theirs(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url))
    async with running(app), http_client(app) as client:
        gql = GraphQL(client)
        maya, _, ids = await subjects(gql)
        await maya(SUBMIT, submit("GENERATION", ids["GENERATION"], 5, comment="Great"))
        user_id = (await maya("{ me { id } }"))["data"]["me"]["id"]
        # Eve uploads the very same weak resume file: the shared blob must outlive Maya.
        eve = gql.as_user((await register(gql, "eve@example.com"))["token"])
        assert (await eve.upload(UPLOAD, {}, WEAK_RESUME.encode(), "weak.txt")).status_code == 200
        eve_id = (await eve("{ me { id } }"))["data"]["me"]["id"]
        await app.state.services.indexer.drain()
        before = await leftovers(app, user_id)
        assert before["feedback"] == 1 and before["vectors:feedback"] == 1 and before["vectors:profile_items"] > 0
        blobs = app.state.services.settings.data_dir / "blobs"
        files = {p.name for p in blobs.rglob("*") if p.is_file()}
        assert len(files) == 2  # Maya's PDF, and the weak resume both uploaded

        wrong = await maya(DELETE, {"p": "not my password"})
        assert error_codes(wrong) == ["BAD_USER_INPUT"] and wrong["errors"][0]["extensions"]["field"] == "password"
        assert (await maya(DELETE, {"p": PASSWORD}))["data"]["deleteAccount"] is True
        await app.state.services.indexer.drain()
        assert await leftovers(app, user_id) == {}
        remaining = {p.name for p in blobs.rglob("*") if p.is_file()}
        assert remaining == {content_hash(WEAK_RESUME.encode())}  # only the file Eve still uses
        assert error_codes(await maya("{ me { id } }")) == ["UNAUTHENTICATED"]
        login = 'mutation { login(email: "maya@example.com", password: "correct horse") { token } }'
        assert error_codes(await gql(login)) == ["UNAUTHENTICATED"]
        assert (await leftovers(app, eve_id)).get("resumes") == 1  # Eve keeps hers


async def test_a_deletion_interrupted_after_its_commit_completes_on_the_next_start(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, index_worker=False)  # nothing drains: as if it died
    app = create_app(settings)
    async with running(app), http_client(app) as client:
        gql = GraphQL(client)
        maya, _, ids = await subjects(gql)
        await maya(SUBMIT, submit("RANKING", ids["RANKING"], 3, comment="Fine"))
        user_id = (await maya("{ me { id } }"))["data"]["me"]["id"]
        await app.state.services.indexer.drain()
        assert (await maya(DELETE, {"p": PASSWORD}))["data"]["deleteAccount"] is True
        left: dict[str, Any] = await leftovers(app, user_id)
        assert set(left) == {f"vectors:{c}" for c in ("jobs_private", "profile_items", "feedback")}
        async with app.state.services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(OutboxTask)) > 0
        blobs = app.state.services.settings.data_dir / "blobs"
        assert any(p.is_file() for p in blobs.rglob("*"))
    restarted = create_app(make_settings(tmp_path, database_url))  # the index worker drains at start
    async with running(restarted):
        for _ in range(600):  # nothing here drains: the start-up worker must finish the deletion
            async with restarted.state.services.sessions() as session:
                if not await session.scalar(select(func.count()).select_from(OutboxTask)):
                    break
            await asyncio.sleep(0.05)
        assert await leftovers(restarted, user_id) == {}
        assert not any(p.is_file() for p in blobs.rglob("*"))


async def test_an_admin_with_public_postings_cannot_delete_them_with_the_account(gql: GraphQL, app: Starlette) -> None:
    boss = gql.as_user((await register(gql, "boss@example.com"))["token"])
    await app.state.services.accounts.set_role("boss@example.com", "ADMIN")
    create = "mutation ($t: String!) { createJob(input: {rawText: $t, visibility: PUBLIC}) { id } }"
    job_id = (await boss(create, {"t": JOB_TEXT}))["data"]["createJob"]["id"]
    refused = await boss(DELETE, {"p": PASSWORD})
    assert error_codes(refused) == ["PRECONDITION_FAILED"] and "public board" in refused["errors"][0]["message"]
    assert (await boss("{ me { id } }"))["data"]["me"]["id"]  # nothing was deleted
    hide = "mutation ($id: ID!) { updateJob(input: {id: $id, visibility: PRIVATE}) { id } }"
    assert "errors" not in await boss(hide, {"id": job_id})
    assert (await boss(DELETE, {"p": PASSWORD}))["data"]["deleteAccount"] is True


async def test_feedback_copies_no_job_the_caller_can_no_longer_read(gql: GraphQL, app: Starlette) -> None:
    boss = gql.as_user((await register(gql, "boss@example.com"))["token"])
    await app.state.services.accounts.set_role("boss@example.com", "ADMIN")
    create = "mutation ($t: String!) { createJob(input: {rawText: $t, visibility: PUBLIC}) { id } }"
    job_id = (await boss(create, {"t": JOB_TEXT}))["data"]["createJob"]["id"]
    sam = gql.as_user((await register(gql, "sam@example.com"))["token"])
    uploaded = (await sam.upload(UPLOAD, {}, WEAK_RESUME.encode(), "weak.txt")).json()
    resume_id = uploaded["data"]["uploadResume"]["resume"]["id"]
    analysis = (await sam(MATCH, {"resume": resume_id, "job": job_id}))["data"]["match"]["id"]
    hide = "mutation ($id: ID!) { updateJob(input: {id: $id, visibility: PRIVATE}) { id } }"
    assert "errors" not in await boss(hide, {"id": job_id})
    rated = (await sam(SUBMIT, submit("ANALYSIS", analysis, 5)))["data"]["submitFeedback"]
    assert rated["jobId"] is None
    (sample,) = (await sam("{ highQualityFeedback { jobDescription sourceText } }"))["data"]["highQualityFeedback"]
    assert sample["jobDescription"] is None and "Quillstack" in sample["sourceText"]
