"""The vector index, embedded and against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from storage.vectors import VectorIndex
from tests.support.servers import free_port

RNG = np.random.default_rng(7)


def unit(n: int, dims: int = 384) -> np.ndarray:
    vectors = RNG.standard_normal((n, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "chroma server did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(params=["embedded", "server"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VectorIndex]:
    if request.param == "embedded":
        yield VectorIndex.open(tmp_path)
        return
    url = request.getfixturevalue("chroma_server")
    opened = VectorIndex.open(tmp_path, url)
    yield opened
    for name in ("profile_items", "jobs_public", "jobs_private"):  # the server outlives the test
        ids = await opened.ids(name)
        await opened.delete(name, sorted(ids))


async def test_upsert_search_and_delete(index: VectorIndex) -> None:
    vectors = unit(20)
    ids = [f"job-{i}" for i in range(20)]
    await index.upsert("jobs_public", ids, vectors, [{"user_id": "admin", "kind": "job", "item_id": i} for i in ids])
    hits = await index.search("jobs_public", vectors[3], limit=5)
    assert hits[0].id == "job-3" and hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].metadata == {"user_id": "admin", "kind": "job", "item_id": "job-3"}
    await index.upsert("jobs_public", ["job-3"], vectors[4:5], [{"user_id": "admin", "kind": "job"}])  # replaces
    assert (await index.search("jobs_public", vectors[4], limit=2))[0].score == pytest.approx(1.0, abs=1e-4)
    await index.delete("jobs_public", ["job-3", "job-4"])
    assert await index.count("jobs_public") == 18
    assert not {"job-3", "job-4"} & {h.id for h in await index.search("jobs_public", vectors[4], limit=18)}


async def test_owner_scoping(index: VectorIndex) -> None:
    vectors = unit(30)
    owners = ["ada"] * 10 + ["bob"] * 20
    ids = [f"item-{i}" for i in range(30)]
    kinds = ["experience" if i % 2 else "project" for i in range(30)]
    metadata = [
        {"user_id": o, "kind": k, "item_id": i, "missing": None} for o, k, i in zip(owners, kinds, ids, strict=True)
    ]
    await index.upsert("profile_items", ids, vectors, metadata)
    # Bob's item is the nearest of all, but Ada only ever sees her own.
    hits = await index.score_owned("profile_items", vectors[15], "ada", limit=50)
    assert len(hits) == 10 and {h.metadata["user_id"] for h in hits} == {"ada"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    experiences = await index.score_owned("profile_items", vectors[1], "ada", limit=50, kind="experience")
    assert len(experiences) == 5 and experiences[0].id == "item-1"
    filtered = await index.search("profile_items", vectors[15], limit=5, where={"user_id": "ada"})
    assert {h.metadata["user_id"] for h in filtered} == {"ada"}
    await index.delete_owner("profile_items", "ada")
    assert await index.score_owned("profile_items", vectors[0], "ada", limit=5) == []
    assert await index.count("profile_items") == 20


async def test_owner_collections_are_searched_whole_and_dropped_whole(index: VectorIndex) -> None:
    ada, bob = (
        "feedback-" + "a" * 8 + "-0000-4000-8000-000000000000",
        "feedback-" + "b" * 8 + "-0000-4000-8000-000000000000",
    )
    vectors = unit(6)
    await index.upsert(ada, ["a1", "a2", "a3"], vectors[:3], [{"user_id": "ada"}] * 3)
    await index.upsert(bob, ["b1", "b2", "b3"], vectors[3:], [{"user_id": "bob"}] * 3)
    hits = await index.search(ada, vectors[4], limit=10)  # Bob's nearest vector is not in Ada's collection
    assert {h.id for h in hits} == {"a1", "a2", "a3"}
    assert {ada, bob} <= await index.collection_names() and await index.exists(ada)
    await index.drop(ada)
    assert ada not in await index.collection_names() and not await index.exists(ada)
    await index.drop(ada)  # dropping what is gone is nothing
    assert await index.count(bob) == 3
    await asyncio.gather(index.drop(bob), index.drop(bob))  # two drains applying the same task at once
    assert bob not in await index.collection_names()
    with pytest.raises(ValueError, match="unknown collection"):
        await index.upsert("feedback-../../x", ["x"], vectors[:1], [{}])


async def test_embedded_index_persists(tmp_path: Path) -> None:
    vectors = unit(3)
    first = VectorIndex.open(tmp_path)
    await first.upsert("jobs_private", ["a", "b", "c"], vectors, [{"user_id": "u", "kind": "job"}] * 3)
    reopened = VectorIndex.open(tmp_path)
    assert await reopened.ids("jobs_private") == {"a", "b", "c"}


async def test_recall_against_exact_scoring(tmp_path: Path) -> None:
    """With ef_search raised, ANN top-10 agrees with exact numpy scoring (Chroma's default does not)."""
    index = VectorIndex.open(tmp_path)
    vectors = unit(3000, dims=64)
    ids = [str(i) for i in range(3000)]
    for start in range(0, 3000, 1000):
        await index.upsert(
            "jobs_public",
            ids[start : start + 1000],
            vectors[start : start + 1000],
            [{"user_id": "admin", "kind": "job"}] * 1000,
        )
    queries = unit(30, dims=64)
    recalls = []
    for query in queries:
        exact = set(np.argsort(-(vectors @ query))[:10].astype(str))
        found = {hit.id for hit in await index.search("jobs_public", query, limit=10)}
        recalls.append(len(exact & found) / 10)
    assert float(np.mean(recalls)) >= 0.9


def test_no_model_download_is_ever_attempted(tmp_path: Path) -> None:
    """Collections have no embedding function: using one with the network blocked works."""
    script = (
        "import asyncio, socket, numpy as np\n"
        "def refuse(*a, **k): raise OSError('network disabled')\n"
        "socket.getaddrinfo = refuse\n"
        "from storage.vectors import VectorIndex\n"
        f"index = VectorIndex.open(__import__('pathlib').Path({str(tmp_path)!r}))\n"
        "v = np.eye(4, dtype=np.float32)\n"
        "asyncio.run(index.upsert('profile_items', ['a','b','c','d'], v, [{'user_id': 'u', 'kind': 'f'}] * 4))\n"
        "print([h.id for h in asyncio.run(index.search('profile_items', v[2], limit=1))])\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['c']"


async def test_concurrent_writes_from_tasks(tmp_path: Path) -> None:
    index = VectorIndex.open(tmp_path)
    vectors = unit(40)

    async def write(i: int) -> None:
        await index.upsert("resumes", [f"r{i}"], vectors[i : i + 1], [{"user_id": f"u{i % 3}", "kind": "resume"}])

    await asyncio.gather(*(write(i) for i in range(40)))
    assert await index.count("resumes") == 40
