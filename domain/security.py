"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import Unauthenticated

MAX_MIMIC_SECONDS = 2.0  # the longest an answer given without hashing waits to look like one that hashed


class Passwords:
    """argon2id; hashing runs in a worker thread because it is deliberately slow."""

    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int, concurrency: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)
        self._slots = asyncio.Semaphore(concurrency)  # each hash holds memory_cost_kib: bound how many at once
        self.verifications = 0  # verify calls made, for tests that count the work
        self._typical = 0.0  # a moving average of how long a verify takes, waiting for a slot included

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        self.verifications += 1
        started = time.monotonic()
        try:
            async with self._slots:
                return await asyncio.to_thread(check)
        finally:
            elapsed = time.monotonic() - started
            self._typical = elapsed if not self._typical else 0.8 * self._typical + 0.2 * elapsed

    @property
    def typical_verify_seconds(self) -> float:
        """How long a verify has been taking lately: an answer given without one waits about as long,
        so that timing does not tell which answers hashed."""
        return min(self._typical, MAX_MIMIC_SECONDS)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token says: whose it is, the account's session version it was issued under, and
    when it stops working (a socket re-checks that on every operation, not only when it opens)."""

    subject: str
    version: int
    expires_at: datetime


CLOCK_SKEW_SECONDS = 60
MAX_LINK_LIFETIME = timedelta(days=1)  # the longest a one-purpose link may be set to live


class Tokens:
    """Signed, expiring bearer tokens naming the user and the session version; nothing else is trusted."""

    algorithm = "HS256"

    def __init__(self, *, secret: str, issuer: str, lifetime: timedelta) -> None:
        self._secret = secret
        self._issuer = issuer
        self._lifetime = lifetime

    def issue(
        self,
        user_id: str,
        *,
        version: int = 0,
        now: datetime | None = None,
        purpose: str | None = None,
        lifetime: timedelta | None = None,
    ) -> IssuedToken:
        """An access token; with `purpose`, a token good only for that (e.g. one data download).
        `version` is the account's session version: a token stops working once that moves on."""
        issued = (now or datetime.now(UTC)).replace(microsecond=0)
        expires = issued + (lifetime or self._lifetime)
        claims: dict[str, Any] = {"sub": user_id, "iss": self._issuer, "iat": issued, "exp": expires, "ver": version}
        if purpose is not None:
            claims["pur"] = purpose
            claims["jti"] = secrets.token_urlsafe(16)  # two links asked for in one second still differ
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=self.algorithm), expires)

    def subject(self, token: str, *, purpose: str | None = None) -> str:
        """The user id a valid token names; UNAUTHENTICATED for expired, forged or garbled ones."""
        return self.claims(token, purpose=purpose).subject

    def claims(self, token: str, *, purpose: str | None = None) -> TokenClaims:
        """A valid token's claims; UNAUTHENTICATED for expired, forged or garbled ones. Tokens from before
        session versions existed carry none and count as version 0 (the column's default)."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self.algorithm],
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iat", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated(
                "This link has expired; ask for a new one" if purpose else "Your session has expired; log in again"
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(self._invalid(purpose)) from exc
        issued, expires = claims["iat"], claims["exp"]
        longest = max(self._lifetime, MAX_LINK_LIFETIME).total_seconds() + CLOCK_SKEW_SECONDS
        if not all(isinstance(v, int | float) for v in (issued, expires)) or expires - issued > longest:
            raise Unauthenticated(self._invalid(purpose))  # no token lives longer than this server issues them
        if issued > datetime.now(UTC).timestamp() + CLOCK_SKEW_SECONDS:
            raise Unauthenticated(self._invalid(purpose))  # issued in the future
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or claims.get("pur") != purpose:
            raise Unauthenticated(self._invalid(purpose))  # a link is no access token, nor a link to another file
        version = claims.get("ver", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise Unauthenticated(self._invalid(purpose))
        return TokenClaims(subject, version, datetime.fromtimestamp(claims["exp"], UTC))

    @staticmethod
    def _invalid(purpose: str | None) -> str:
        return "This link is invalid (or for another file)" if purpose else "The access token is invalid"
