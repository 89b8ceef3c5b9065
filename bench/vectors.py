"""Vector index query cost at scale: p50/p95 of an unfiltered ANN query (the public board), an ANN
query filtered to one owner, and exact scoring of that owner's own rows — at each size given.

    .venv/bin/python bench/vectors.py [--sizes 10000,100000] [--queries 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.vectors import VectorIndex  # noqa: E402

DIMS = 384
OWNERS = 100  # each owner holds 1% of the rows
BATCH = 2000


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIMS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def timed(call, queries: np.ndarray) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for query in queries:
        started = time.perf_counter()
        await call(query)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


async def run(size: int, queries: int) -> None:
    rng = np.random.default_rng(size)
    index = VectorIndex.open(Path(tempfile.mkdtemp(prefix="tailor-vector-bench-")))
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        count = min(BATCH, size - start)
        ids = [str(i) for i in range(start, start + count)]
        meta = [{"user_id": f"u{i % OWNERS}", "kind": "job"} for i in range(start, start + count)]
        await index.upsert("jobs_private", ids, unit(rng, count), meta)
    load = time.perf_counter() - started
    probe = unit(rng, queries)
    plain = await timed(lambda q: index.search("jobs_private", q, limit=10), probe)
    filtered = await timed(lambda q: index.search("jobs_private", q, limit=10, where={"user_id": "u7"}), probe)
    exact = await timed(lambda q: index.score_owned("jobs_private", q, "u7", limit=10), probe)
    print(f"{size:>8} vectors (loaded in {load:.0f} s; one owner holds {size // OWNERS}):")
    for name, (p50, p95) in (
        ("ANN, no filter", plain),
        ("ANN, owner filter", filtered),
        ("exact, owner's rows", exact),
    ):
        print(f"    {name:<22} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({p50 / plain[0]:.1f}× unfiltered)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        asyncio.run(run(size, args.queries))


if __name__ == "__main__":
    main()
