"""The Chroma vector index: embedded under the data dir, or a `chroma run` server by URL.

Derived data: SQL is the truth and the index can be rebuilt from it. Tailor always passes its own
embeddings (collections have no embedding function, so Chroma never fetches a model). Every vector
carries `user_id`, `kind` and `item_id`. Layout follows what is cheap at scale: the public job board
is its own collection (searched without a filter), and a user's own small sets are scored exactly.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

COLLECTIONS = ("profile_items", "jobs_public", "jobs_private", "resumes")
# Kinds kept in one collection per owner ("feedback-<user id>"): searched often, only ever by their owner,
# so a search needs no filter (filters are what make Chroma slow at scale).
OWNER_KINDS = ("feedback",)
_OWNER_NAME = re.compile(r"^(feedback)-[0-9a-f-]{36}$")
HNSW = {"space": "cosine", "ef_search": 500, "ef_construction": 200}  # default ef_search 100 recalls ~0.55
EXACT_LIMIT = 5000  # a user's own rows beyond this are searched approximately instead


@dataclass(frozen=True, slots=True)
class VectorHit:
    id: str
    score: float  # cosine similarity, 1 = same direction
    metadata: dict[str, Any]


class VectorIndex:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._collections: dict[str, Any] = {}

    @classmethod
    def open(cls, data_dir: Path, url: str | None = None) -> VectorIndex:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parts = urlsplit(url)
            client = chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https",
                settings=settings,
            )
        else:
            path = data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
        return cls(client)

    def _collection(self, name: str) -> Any:
        if name not in COLLECTIONS and not _OWNER_NAME.match(name):
            raise ValueError(f"unknown collection {name!r}")
        if name not in self._collections:
            self._collections[name] = self._client.get_or_create_collection(
                f"tailor_{name}", embedding_function=None, configuration={"hnsw": HNSW}
            )
        return self._collections[name]

    async def upsert(
        self, collection: str, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        if not ids:
            return
        clean = [{k: v for k, v in m.items() if v is not None} for m in metadatas]  # Chroma refuses None
        await asyncio.to_thread(
            self._collection(collection).upsert, ids=list(ids), embeddings=np.asarray(vectors), metadatas=clean
        )

    async def delete(self, collection: str, ids: Sequence[str]) -> None:
        if ids:
            await asyncio.to_thread(self._collection(collection).delete, ids=list(ids))

    async def delete_owner(self, collection: str, user_id: str) -> None:
        await asyncio.to_thread(self._collection(collection).delete, where={"user_id": user_id})

    async def exists(self, collection: str) -> bool:
        return collection in self._collections or collection in await self.collection_names()

    async def collection_names(self) -> set[str]:
        listed = await asyncio.to_thread(self._client.list_collections)
        names = {getattr(item, "name", item) for item in listed}
        return {name.removeprefix("tailor_") for name in names if name.startswith("tailor_")}

    async def drop(self, collection: str) -> None:
        """Remove a whole collection (an owner's, when the owner goes); nothing when there is none."""
        from chromadb.errors import NotFoundError

        self._collections.pop(collection, None)
        if collection in await self.collection_names():
            try:
                await asyncio.to_thread(self._client.delete_collection, f"tailor_{collection}")
            except NotFoundError:
                pass  # another drain dropped it between the look and the drop: the same outcome

    async def owner_ids(self, collection: str, user_id: str) -> set[str]:
        result = await asyncio.to_thread(self._collection(collection).get, where={"user_id": user_id}, include=[])
        return set(result["ids"])

    async def ids(self, collection: str) -> set[str]:
        result = await asyncio.to_thread(self._collection(collection).get, include=[])
        return set(result["ids"])

    async def count(self, collection: str) -> int:
        return int(await asyncio.to_thread(self._collection(collection).count))

    async def search(
        self, collection: str, vector: np.ndarray, limit: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        """Approximate nearest neighbours; `where` only where the layout cannot avoid a filter."""
        result = await asyncio.to_thread(
            self._collection(collection).query,
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=limit,
            where=where,
            include=["distances", "metadatas"],
        )
        return [
            VectorHit(id=item_id, score=1.0 - float(distance), metadata=dict(metadata or {}))
            for item_id, distance, metadata in zip(
                result["ids"][0], result["distances"][0], result["metadatas"][0], strict=True
            )
        ]

    async def score_owned(
        self, collection: str, vector: np.ndarray, user_id: str, limit: int, kind: str | None = None
    ) -> list[VectorHit]:
        """A user's own rows scored exactly (numpy), best first: no ANN miss on small sets."""
        where: dict[str, Any] = {"user_id": user_id}
        if kind is not None:
            where = {"$and": [{"user_id": user_id}, {"kind": kind}]}
        rows = await asyncio.to_thread(
            self._collection(collection).get, where=where, include=["embeddings", "metadatas"], limit=EXACT_LIMIT
        )
        if len(rows["ids"]) == 0:
            return []
        matrix = np.asarray(rows["embeddings"], dtype=np.float32)
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-scores)[:limit]
        return [VectorHit(rows["ids"][i], float(scores[i]), dict(rows["metadatas"][i] or {})) for i in order]
