"""Embedding throughput through Tailor's embedder versus sentence-transformers called directly, in the
same run and process (target: ≥ 0.9×), and what a cache hit costs. Bounded: a fixed number of texts.

    .venv/bin/python bench/embeddings.py [--texts 256]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import record  # noqa: E402
from domain.ai.embeddings import PACKAGED_MODEL, Embedder, load_model  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402

SHORT = "Built Python services on Kubernetes for patient scheduling, number {i}."
PARAGRAPH = (
    "Led the migration of a monolithic scheduling platform to event-driven services in Python and Go, "
    "running on Kubernetes in AWS. Introduced PostgreSQL partitioning and Redis caching that cut p95 latency "
    "by 40 percent, mentored four engineers, and owned the on-call rotation and incident reviews for two years. "
    "Variant {i}."
)


def direct(texts: list[str]) -> float:
    model = load_model(PACKAGED_MODEL)
    started = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    return len(texts) / (time.perf_counter() - started)


async def through_tailor(embedder: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    await embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


async def main(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tailor-embed-bench-"))
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await migrate.upgrade(engine)
    embedder = Embedder(PACKAGED_MODEL, session_factory(engine))
    await embedder.encode(["warm up the model"])
    direct(["warm up the model"] * 8)
    print(f"\nEmbeddings — {count} texts each, 2-core CPU, batch 64\n")
    print(f"{'texts':<12}{'direct texts/s':>16}{'Tailor texts/s':>16}{'ratio':>8}")
    for name, template in (("short", SHORT), ("paragraph", PARAGRAPH)):
        fresh = [template.format(i=f"{name}-{i}") for i in range(count)]
        other = [template.format(i=f"{name}-direct-{i}") for i in range(count)]
        ours = await through_tailor(embedder, fresh)
        theirs = direct(other)
        print(f"{name:<12}{theirs:>16.0f}{ours:>16.0f}{ours / theirs:>8.2f}")
        record("embeddings", f"{name} texts through Tailor (direct {theirs:.0f}/s)", ours, "texts/s")
    hits = [SHORT.format(i=f"short-{i}") for i in range(count)]
    started = time.perf_counter()
    await embedder.encode(hits)
    per_hit = (time.perf_counter() - started) / count * 1e6
    print(f"\ncache hit: {per_hit:.0f} µs per text ({count} texts in one call, SQLite cache)")
    record("embeddings", "cache hit per text", per_hit, "µs")
    embedder.close()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=256)
    asyncio.run(main(parser.parse_args().texts))
