"""Persisted operations: Apollo's automatic persisted queries (APQ) and, for production, trusted documents.

APQ: a client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without the query; an unknown
hash answers PERSISTED_QUERY_NOT_FOUND, the client sends the query with its hash once, and from then on
the hash alone runs it (over GET too, so CDNs can cache). Trusted documents: with a manifest loaded at
start, only the operations it lists run, named by hash or sent in full."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graphql import GraphQLError

from graph.errors import coded_error

log = logging.getLogger("tailor.persisted")

APQ_VERSION = 1
MAX_STORED_CHARS = 16 * 1024  # longer documents run but are not stored: the client sends them each time
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class TrustedDocumentsError(ValueError):
    """A manifest Tailor cannot read: the server refuses to start and says why."""


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def load_trusted_documents(path: Path) -> dict[str, str]:
    """Hash → document from Apollo's persisted query manifest (`{"format": "apollo-persisted-query-manifest",
    "operations": [{"id", "body", ...}]}`) or a plain `{hash: document}` object (graphql-codegen's
    `persisted-documents.json`). Every hash is checked against its document."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrustedDocumentsError(f"cannot read trusted documents from {path}: {exc}") from exc
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        pairs = [(op.get("id"), op.get("body")) for op in raw["operations"] if isinstance(op, dict)]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise TrustedDocumentsError(f"{path} is neither a persisted query manifest nor a {{hash: document}} object")
    documents: dict[str, str] = {}
    for key, body in pairs:
        if not isinstance(key, str) or not isinstance(body, str) or sha256(body) != key.lower():
            raise TrustedDocumentsError(f"{path}: the entry {str(key)[:80]!r} is not the SHA-256 of its document")
        documents[key.lower()] = body
    if not documents:
        raise TrustedDocumentsError(f"{path} lists no operations")
    return documents


@dataclass(frozen=True)
class Resolved:
    """The query to run, whether to register it once it validates, or why the request stops here."""

    query: str | None
    register: str | None = None  # the hash to store the query under
    errors: list[GraphQLError] | None = None


class QueryStore(Protocol):
    """Where registered queries are kept (storage/persisted_queries.py: in memory, or Redis), wired in by
    the composition root (graph/server/app.py)."""

    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...


class PersistedQueries:
    """Automatic persisted queries and trusted documents. Without a store (a schema built outside the
    app, as `tailor export-schema` does) a hash alone is never found and nothing is registered."""

    def __init__(self, store: QueryStore | None, trusted: dict[str, str] | None = None, *, max_chars: int) -> None:
        self._store = store
        self._trusted = trusted
        self._max_chars = max_chars

    async def resolve(self, query: Any, extensions: Any) -> Resolved:
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            return self._trusted_text(query) if self._trusted is not None else Resolved(query)
        if not isinstance(persisted, dict) or persisted.get("version") != APQ_VERSION:
            return _refused(f"Persisted queries need `version: {APQ_VERSION}`", "BAD_USER_INPUT")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
            return _refused("`persistedQuery.sha256Hash` must be 64 hexadecimal characters", "BAD_USER_INPUT")
        digest = digest.lower()
        if self._trusted is not None:
            if digest not in self._trusted or (isinstance(query, str) and query and sha256(query) != digest):
                return _refused("This server runs only its trusted documents", NOT_IN_LIST)
            return Resolved(self._trusted[digest])
        if isinstance(query, str) and query:
            if len(query) <= self._max_chars and sha256(query) != digest:
                return _refused("The provided sha256Hash does not match the query", "BAD_USER_INPUT")
            return Resolved(query, register=digest)
        stored = await self._store.get(digest) if self._store is not None else None
        if stored is None:
            return _refused("PersistedQueryNotFound", NOT_FOUND)
        return Resolved(stored)

    async def register(self, digest: str, query: str) -> None:
        """Best effort: the operation has run, so a store that fails only costs the client a resend."""
        if len(query) > MAX_STORED_CHARS or self._store is None:
            return
        try:
            await self._store.put(digest, query)
        except Exception:  # noqa: BLE001 - e.g. Redis unreachable: logged, never the client's failure
            log.warning("could not store a persisted query", exc_info=True)

    def _trusted_text(self, query: Any) -> Resolved:
        if isinstance(query, str) and query and self._trusted is not None and sha256(query) not in self._trusted:
            return _refused("This server runs only its trusted documents", NOT_IN_LIST)
        return Resolved(query)


def _refused(message: str, code: str) -> Resolved:
    return Resolved(None, errors=[coded_error(message, code)])
