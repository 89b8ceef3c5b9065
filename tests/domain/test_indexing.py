"""The vector index follows SQL through the outbox: same transaction, drained later, healed after a
crash, and rebuildable from SQL (`reindex` equals the live index)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph.context import Services
from graph.server.app import build_services
from storage.db import transaction
from storage.outbox import OutboxRepository
from tests.support.settings import make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jobs"


@pytest.fixture
async def services(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    built = build_services(make_settings(tmp_path, database_url, index_worker=False))
    yield built
    await built.aclose()


async def a_user(services: Services, email: str = "ada@example.com", role: str = "USER") -> Any:
    session = await services.accounts.register(email, "correct horse", "test")
    if role != "USER":
        return await services.accounts.set_role(email, role)
    return session.user


async def outbox_size(services: Services) -> int:
    async with services.sessions() as session:
        return await OutboxRepository(session).count()


async def snapshot(services: Services) -> dict[str, dict[str, np.ndarray]]:
    result = {}
    for name in ("jobs_public", "jobs_private", "profile_items"):
        collection = services.indexer.index._collection(name)
        rows = collection.get(include=["embeddings"])
        result[name] = {i: np.asarray(v) for i, v in zip(rows["ids"], rows["embeddings"], strict=True)}
    return result


async def test_writes_record_tasks_and_drain_applies_them(services: Services) -> None:
    from domain.jobs import JobInput

    user = await a_user(services)
    job = await services.jobs.create(user, JobInput(raw_text=(FIXTURES / "data_engineer.txt").read_text()))
    item = await services.profiles.add_item(
        user, "experiences", {"title": "Data Engineer", "company": "Acme", "start_month": "2020-01"}
    )
    await services.profiles.add_item(user, "skills", {"name": "Python"})  # not an indexed section
    assert await outbox_size(services) == 3  # job: delete-from-public + upsert-private; one experience
    assert await services.indexer.drain() == 3
    assert await outbox_size(services) == 0
    index = services.indexer.index
    assert await index.ids("jobs_private") == {job.id}
    assert await index.ids("profile_items") == {item.id}
    query = await services.embedder.encode_one("data pipelines with Airflow and Snowflake")
    hit = (await index.score_owned("jobs_private", query, user.id, limit=1))[0]
    assert hit.id == job.id and hit.metadata == {
        "user_id": user.id,
        "kind": "job",
        "item_id": job.id,
        "visibility": "PRIVATE",
    }
    await services.jobs.delete(user, job.id)
    await services.profiles.delete_item(user, "experiences", item.id)
    await services.indexer.drain()
    assert await index.ids("jobs_private") == set() and await index.ids("profile_items") == set()


async def test_a_job_moves_between_collections_with_its_visibility(services: Services) -> None:
    from domain.jobs import JobInput

    admin = await a_user(services, "admin@example.com", "ADMIN")
    job = await services.jobs.create(admin, JobInput(raw_text=(FIXTURES / "frontend_react.txt").read_text()))
    await services.jobs.update(admin, job.id, JobInput(visibility="PUBLIC"))
    await services.indexer.drain()
    assert await services.indexer.index.ids("jobs_public") == {job.id}
    assert await services.indexer.index.ids("jobs_private") == set()


async def test_a_failed_index_write_keeps_the_tasks(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.jobs import JobInput

    user = await a_user(services)
    await services.jobs.create(user, JobInput(raw_text=(FIXTURES / "senior_backend_python.txt").read_text()))
    real = services.indexer.index.upsert

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("index down")

    monkeypatch.setattr(services.indexer.index, "upsert", broken)
    with pytest.raises(ConnectionError):
        await services.indexer.drain()
    assert await outbox_size(services) == 2
    monkeypatch.setattr(services.indexer.index, "upsert", real)
    await services.indexer.drain()
    assert await outbox_size(services) == 0 and len(await services.indexer.index.ids("jobs_private")) == 1


async def test_a_crash_before_indexing_heals_on_the_next_start(tmp_path: Path, database_url: str) -> None:
    from domain.jobs import JobInput
    from graph.server.app import create_app
    from tests.support.servers import running

    settings = make_settings(tmp_path, database_url, index_worker=False)
    first = build_services(settings)
    user = await a_user(first)
    job = await first.jobs.create(user, JobInput(raw_text=(FIXTURES / "data_engineer.txt").read_text()))
    await first.aclose()  # "crash": committed in SQL, never indexed

    restarted = make_settings(tmp_path, database_url, index_worker=True)
    app = create_app(restarted)
    async with running(app):
        services: Services = app.state.services
        for _ in range(300):
            if await outbox_size(services) == 0 and await services.indexer.index.ids("jobs_private"):
                break
            await asyncio.sleep(0.1)
        assert await services.indexer.index.ids("jobs_private") == {job.id}


async def test_reindex_equals_the_live_index(services: Services) -> None:
    from domain.jobs import JobInput

    admin = await a_user(services, "admin@example.com", "ADMIN")
    user = await a_user(services)
    for name in ("data_engineer", "frontend_react"):
        await services.jobs.create(user, JobInput(raw_text=(FIXTURES / f"{name}.txt").read_text()))
    await services.jobs.create(
        admin, JobInput(raw_text=(FIXTURES / "senior_backend_python.txt").read_text(), visibility="PUBLIC")
    )
    await services.profiles.add_item(
        user, "experiences", {"title": "Engineer", "company": "Acme", "start_month": "2021-01"}
    )
    await services.profiles.add_item(user, "projects", {"name": "Tailor", "technologies": ["python"]})
    await services.indexer.drain()
    live = await snapshot(services)
    assert {name: len(ids) for name, ids in live.items()} == {"jobs_public": 1, "jobs_private": 2, "profile_items": 2}

    # Damage the index: lose a vector, gain a stale one.
    index = services.indexer.index
    lost = next(iter(live["jobs_private"]))
    await index.delete("jobs_private", [lost])
    await index.upsert(
        "profile_items",
        ["stale"],
        np.ones((1, 384), dtype=np.float32) / np.sqrt(384),
        [{"user_id": "gone", "kind": "experience"}],
    )
    counts = await services.indexer.reindex()
    assert counts == {"jobs_public": 1, "jobs_private": 2, "profile_items": 2}
    rebuilt = await snapshot(services)
    assert {name: set(ids) for name, ids in rebuilt.items()} == {name: set(ids) for name, ids in live.items()}
    for name, vectors in live.items():
        for item_id, vector in vectors.items():
            assert np.allclose(rebuilt[name][item_id], vector, atol=1e-5)


async def test_outbox_rows_commit_with_the_write(services: Services) -> None:
    """A write that fails leaves no task behind: they share the transaction."""
    from domain.errors import JobParsingFailed
    from domain.jobs import JobInput

    user = await a_user(services)
    with pytest.raises(JobParsingFailed):
        await services.jobs.create(user, JobInput(raw_text="lorem ipsum dolor."))
    assert await outbox_size(services) == 0
    async with transaction(services.sessions) as session:
        from storage.outbox import record_upsert

        record_upsert(session, "jobs_private", "x", "text", {"user_id": user.id})
        await session.rollback()
    assert await outbox_size(services) == 0
