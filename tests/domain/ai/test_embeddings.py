"""Embeddings: the packaged model, offline; normalised vectors that mean something; a real cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from domain.ai.embeddings import PACKAGED_MODEL, Embedder
from storage.db import create_engine, session_factory, utcnow
from storage.embeddings import CachedEmbedding

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def embedder(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    instance = Embedder(PACKAGED_MODEL, session_factory(engine))
    yield instance
    instance.close()
    await engine.dispose()


async def test_vectors_are_normalised_and_meaningful(embedder: Embedder) -> None:
    texts = [
        "Built Python microservices on Kubernetes",
        "Developed backend services in Python deployed to k8s",
        "Baked sourdough bread for a neighbourhood cafe",
    ]
    vectors = await embedder.encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > 0.5 > unrelated


async def test_the_same_text_is_never_encoded_twice(embedder: Embedder, database_url: str) -> None:
    first = await embedder.encode(["alpha beta", "gamma delta", "alpha beta"])
    assert embedder.encoded == 2  # the repeat within one call is encoded once
    again = await embedder.encode(["gamma delta", "alpha beta"])
    assert embedder.encoded == 2
    assert np.array_equal(again, first[[1, 0]])
    # Across restarts: a new embedder on the same database finds them cached.
    engine = create_engine(database_url)
    other = Embedder(PACKAGED_MODEL, session_factory(engine))
    try:
        assert np.array_equal(await other.encode(["alpha beta"]), first[:1])
        assert other.encoded == 0
    finally:
        other.close()
        await engine.dispose()


async def test_cached_vectors_expire(embedder: Embedder, database_url: str) -> None:
    first = await embedder.encode(["epsilon zeta"])
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():  # age the entry past a one-day expiry
        await session.execute(update(CachedEmbedding).values(created_at=utcnow() - timedelta(days=2)))
    short = Embedder(PACKAGED_MODEL, sessions, ttl=timedelta(days=1))
    try:
        assert np.allclose(await short.encode(["epsilon zeta"]), first, atol=1e-5) and short.encoded == 1
        assert np.allclose(await short.encode(["epsilon zeta"]), first, atol=1e-5) and short.encoded == 1  # refreshed
    finally:
        short.close()
        await engine.dispose()


async def test_empty_input(embedder: Embedder) -> None:
    assert (await embedder.encode([])).shape == (0, 384)


def test_the_model_loads_and_encodes_with_the_network_blocked(tmp_path: Path) -> None:
    """In a fresh process whose sockets refuse anything but loopback: no hub, no download."""
    script = textwrap.dedent(
        """
        import asyncio, socket
        attempts = []
        real_connect = socket.socket.connect
        def guarded(self, address):
            host = address[0] if isinstance(address, tuple) else str(address)
            if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
                attempts.append(host)
                raise OSError("network disabled in this test")
            return real_connect(self, address)
        socket.socket.connect = guarded
        real_getaddrinfo = socket.getaddrinfo
        def no_dns(host, *args, **kwargs):
            if host not in ("127.0.0.1", "::1", "localhost", None):
                attempts.append(host)
                raise socket.gaierror("DNS disabled in this test")
            return real_getaddrinfo(host, *args, **kwargs)
        socket.getaddrinfo = no_dns
        from domain.ai.embeddings import Embedder, PACKAGED_MODEL
        embedder = Embedder(PACKAGED_MODEL)
        vectors = asyncio.run(embedder.encode(["offline text"]))
        print(vectors.shape, attempts)
        """
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("(1, 384) []")
