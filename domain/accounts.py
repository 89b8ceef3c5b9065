"""Accounts: registration, login with throttling, resolving a bearer token to its user, and sessions
a person controls (a per-account session version that every token carries)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import BadInput, Conflict, NotFound, RateLimited, Unauthenticated
from domain.security import IssuedToken, Passwords, TokenClaims, Tokens
from domain.session_stamps import SessionStamps
from storage.accounts import DuplicateEmail, Stamp, User, UserRepository
from storage.counters import Counters
from storage.db import transaction, utcnow
from storage.stamps import StampStore

MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 256
BAD_CREDENTIALS = "Invalid email or password"
ROLES = ("USER", "ADMIN")
EXPORT_PURPOSE = "export"
EXPORT_TOKEN_MEMORY = 24 * 3600  # seconds a used download token is remembered (longer than it lives)
DOWNLOAD_PURPOSE = "download"  # + ":<path>": a signed link opens the one file at that path
EXPIRED = "Your session has expired; log in again"
GONE = "The account for this token no longer exists"
ENDED = "This session was ended (signed out everywhere, or the password changed); log in again"
log = logging.getLogger("tailor.accounts")


@dataclass(frozen=True, slots=True)
class Session:
    """What register and login hand back: a bearer token and whose it is."""

    token: str
    expires_at: datetime
    user: User


def normalise_email(raw: str) -> str:
    """Trimmed, NFKC-normalised (full-width letters become ASCII), syntax-checked and lower-cased, so one
    mailbox is one account; a local part mixing scripts (a Cyrillic 'а' among Latin letters) is refused
    as a look-alike of another address."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not _encodable(text):
        raise BadInput("Email contains invalid characters", field="email")
    if not text:
        raise BadInput("Email is required", field="email")
    if len(text) > MAX_EMAIL_LENGTH:
        raise BadInput(f"Email must be at most {MAX_EMAIL_LENGTH} characters", field="email")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadInput(f"Email is not valid: {exc}", field="email") from exc
    if len(scripts(checked.local_part)) > 1:
        raise BadInput("Email mixes alphabets in its name part (a look-alike address)", field="email")
    return checked.normalized.lower()


def scripts(text: str) -> set[str]:
    """The scripts of a text's letters, by Unicode name ("LATIN SMALL LETTER A" → LATIN)."""
    return {unicodedata.name(c, "?").split(" ")[0] for c in text if c.isalpha()}


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_password(password: str, min_length: int, field: str = "password") -> None:
    if not _encodable(password):
        raise BadInput("Password contains invalid characters", field=field)
    if len(password) < min_length:
        raise BadInput(f"Password must be at least {min_length} characters", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadInput(f"Password must be at most {MAX_PASSWORD_LENGTH} characters", field=field)
    if not password.strip():
        raise BadInput("Password must not be only spaces", field=field)
    visible = sum(unicodedata.category(c)[0] != "C" for c in password)  # zero-width and control characters
    if visible < min_length:
        raise BadInput(f"Password must have at least {min_length} visible characters", field=field)


class AccountService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        passwords: Passwords,
        tokens: Tokens,
        counters: Counters,
        *,
        password_min_length: int,
        login_max_attempts: int,
        login_window_seconds: int,
        register_max_per_window: int,
        register_window_seconds: int,
        stamp_max_age_seconds: float = 1.0,
        stamp_store: StampStore | None = None,
        client_failure_budget: int = 30,
        failure_budget: int = 20,
        failure_window_seconds: int = 10,
    ) -> None:
        self._sessions = sessions
        self.stamps = SessionStamps(sessions, stamp_max_age_seconds, store=stamp_store)
        self._client_failures = client_failure_budget
        self._failures = failure_budget
        self._failure_window = failure_window_seconds
        self.decoy_verifications = 0  # argon2 runs spent on unknown e-mails, for tests that count the work
        self._passwords = passwords
        self._tokens = tokens
        self._counters = counters
        self._password_min_length = password_min_length
        self._max_attempts = login_max_attempts
        self._window = login_window_seconds
        self._register_max = register_max_per_window
        self._register_window = register_window_seconds
        self._decoy_hash: str | None = None

    async def register(self, email: str, password: str, client: str) -> Session:
        address = normalise_email(email)
        check_password(password, self._password_min_length)
        key = "register:" + hashlib.sha256(client.encode()).hexdigest()
        count, retry_after = await self._counters.hit(key, self._register_window)
        if count > self._register_max:
            raise RateLimited(
                f"Too many new accounts from this address; try again in {retry_after} seconds", retry_after=retry_after
            )
        password_hash = await self._passwords.hash(password)
        try:
            async with transaction(self._sessions) as session:
                user = await UserRepository(session).add(address, password_hash)
        except DuplicateEmail as exc:
            raise Conflict("An account with this email already exists", field="email") from exc
        return self._session_for(user)

    async def login(self, email: str, password: str, client: str) -> Session:
        """Unknown email and wrong password look the same, in answer and in time.

        Failed logins are counted per client address and overall (`_failed`): past either budget every
        failed login answers RATE_LIMITED, an unknown e-mail's without hashing (counted before, so a
        concurrent flood is bounded too) after a pause as long as a hash takes, a wrong password's after
        its hash. So made-up e-mails cannot crowd real logins out of the hashing slots, and the answers
        still do not tell which e-mails have accounts; the right password logs in whatever the budgets."""
        try:
            address = normalise_email(email)
        except BadInput:
            raise Unauthenticated(BAD_CREDENTIALS) from None  # no such account can exist
        if not _encodable(password):
            raise Unauthenticated(BAD_CREDENTIALS)
        key = self._throttle_key(address, client)
        # Count first: checking, then counting failures, lets concurrent guesses all pass the check.
        attempts, retry_after = await self._counters.hit(key, self._window)
        if attempts > self._max_attempts:
            raise _too_many(retry_after)
        async with self._sessions() as session:
            user = await UserRepository(session).by_email(address)
        if user is None:
            refusal = await self._failed(client)
            if refusal is not None:
                await asyncio.sleep(self._passwords.typical_verify_seconds)  # as long as a hash would take
                raise refusal
            self.decoy_verifications += 1
            await self._passwords.verify(await self._decoy(), password)
            raise Unauthenticated(BAD_CREDENTIALS)
        if not await self._passwords.verify(user.password_hash, password):
            raise await self._failed(client) or Unauthenticated(BAD_CREDENTIALS)
        new_hash = await self._passwords.hash(password) if self._passwords.needs_rehash(user.password_hash) else None
        async with transaction(self._sessions) as session:
            current = await UserRepository(session).record_login(user.id, utcnow(), new_hash)
        if current is None:  # deleted between the two reads
            raise Unauthenticated(BAD_CREDENTIALS)
        await self._counters.reset(key)
        return self._session_for(current)

    async def set_role(self, email: str, role: str) -> User:
        """For operators (the `tailor set-role` command): make an account ADMIN or USER."""
        if role not in ROLES:
            raise BadInput(f"role must be one of {', '.join(ROLES)}", field="role")
        async with transaction(self._sessions) as session:
            user = await UserRepository(session).set_role(normalise_email(email), role)
        if user is None:
            raise NotFound(f"No account for {email}", field="email")
        # Other processes see the new role within the stamps' max age (through Redis when configured).
        await self.stamps.changed(user.id, Stamp(session_version=user.session_version, role=user.role))
        return user

    async def confirm_password(self, user: User, password: str, client: str, field: str = "password") -> None:
        """A logged-in person proves it is them before something drastic; throttled like a login."""
        key = self._throttle_key(user.email, client)
        attempts, retry_after = await self._counters.hit(key, self._window)
        if attempts > self._max_attempts:
            raise RateLimited(f"Too many attempts; try again in {retry_after} seconds", retry_after=retry_after)
        if not _encodable(password) or not await self._passwords.verify(user.password_hash, password):
            raise BadInput("The password is not correct", field=field)
        await self._counters.reset(key)

    async def change_password(self, user: User, current: str, new: str, client: str) -> Session:
        """The person's own password change: proves the current one (throttled like a login), ends every
        other session of the account (tokens and sockets, in every process within a second), and answers
        a fresh token for this one."""
        fresh = await self._user(user.id, GONE)  # a socket's row may predate another change
        await self.confirm_password(fresh, current, client, field="current_password")
        check_password(new, self._password_min_length, field="new_password")
        return self._session_for(await self._bump(fresh.id, await self._passwords.hash(new)))

    async def sign_out_everywhere(self, user: User) -> None:
        """Every token and socket of the account stops working (sockets close within a second)."""
        await self._bump(user.id)

    async def reset_password(self, email: str, password: str) -> User:
        """For operators (`tailor reset-password`): a new password, and every session of the account ends."""
        check_password(password, self._password_min_length)
        async with self._sessions() as session:
            user = await UserRepository(session).by_email(normalise_email(email))
        if user is None:
            raise NotFound(f"No account for {email}", field="email")
        return await self._bump(user.id, await self._passwords.hash(password))

    async def _bump(self, user_id: str, password_hash: str | None = None) -> User:
        async with transaction(self._sessions) as session:
            user = await UserRepository(session).bump_session(user_id, password_hash)
        stamp = None if user is None else Stamp(session_version=user.session_version, role=user.role)
        await self.stamps.changed(user_id, stamp)  # after the commit: Redis never runs ahead of the database
        if user is None:
            raise Unauthenticated(GONE)
        return user

    def export_token(self, user: User, lifetime: timedelta) -> IssuedToken:
        """A short-lived token for one download of the person's data; useless as an access token."""
        return self._tokens.issue(user.id, version=user.session_version, purpose=EXPORT_PURPOSE, lifetime=lifetime)

    async def user_for_export(self, token: str) -> User:
        """The account a download token names; each token works once (counted in the shared counters)."""
        claims = self._tokens.claims(token, purpose=EXPORT_PURPOSE)
        uses, _ = await self._counters.hit("export:" + hashlib.sha256(token.encode()).hexdigest(), EXPORT_TOKEN_MEMORY)
        if uses > 1:
            raise Unauthenticated("This download link was already used; ask for a new one")
        return await self._holder(claims, "The account for this download no longer exists")

    def download_token(self, user: User, path: str, lifetime: timedelta, *, now: datetime | None = None) -> IssuedToken:
        """A signed link's token: opens the one file at `path` for this person, as often as wanted until
        it expires, with no header (so `<a href>` works); useless as an access token or for another file."""
        purpose = f"{DOWNLOAD_PURPOSE}:{path}"
        return self._tokens.issue(user.id, version=user.session_version, purpose=purpose, lifetime=lifetime, now=now)

    async def user_for_download(self, token: str, path: str) -> User:
        """The account a signed link names, when the link is for `path`; it dies with the account."""
        claims = self._tokens.claims(token, purpose=f"{DOWNLOAD_PURPOSE}:{path}")
        return await self._holder(claims, "The account for this link no longer exists")

    def claims(self, token: str) -> TokenClaims:
        """An access token's claims, checked for signature and expiry only (no read)."""
        return self._tokens.claims(token)

    async def user_for_token(self, token: str) -> User:
        """The account an access token names: one read by primary key, every time (each HTTP request)."""
        return await self._holder(self._tokens.claims(token), GONE)

    async def recheck(self, claims: TokenClaims, user: User) -> User:
        """A websocket's identity again, before each operation and while it stays open: the token's
        expiry, and the account's existence, session version and role through the per-process stamps
        (at most one small read per account per second). Answers the row with the current role."""
        if claims.expires_at <= datetime.now(UTC):
            raise Unauthenticated(EXPIRED)
        stamp = await self.stamps.get(claims.subject, at_least=claims.version)
        if stamp is None:
            raise Unauthenticated(GONE)
        if stamp.session_version != claims.version:
            raise Unauthenticated(ENDED)
        if stamp.role != user.role:  # `tailor set-role` ran: the row is read again, once
            return await self._holder(claims, GONE)
        return user

    async def _holder(self, claims: TokenClaims, missing: str) -> User:
        """The account a token names, while the token's session version is the account's."""
        user = await self._user(claims.subject, missing)
        if user.session_version != claims.version:
            raise Unauthenticated(ENDED)
        return user

    async def _user(self, user_id: str, missing: str) -> User:
        async with self._sessions() as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            raise Unauthenticated(missing)
        return user

    def _session_for(self, user: User) -> Session:
        issued = self._tokens.issue(user.id, version=user.session_version)
        return Session(token=issued.token, expires_at=issued.expires_at, user=user)

    async def _decoy(self) -> str:
        """A real hash to verify against when the email is unknown, so timing reveals nothing."""
        if self._decoy_hash is None:
            self._decoy_hash = await self._passwords.hash("decoy password for unknown accounts")
        return self._decoy_hash

    async def _failed(self, client: str) -> RateLimited | None:
        """Counts a failed login against the client address's budget and the overall one: the refusal to
        answer instead of UNAUTHENTICATED once either is spent."""
        per_client = "login-failed:" + hashlib.sha256(client.encode()).hexdigest()
        from_client, client_retry = await self._counters.hit(per_client, self._window)
        overall, overall_retry = await self._counters.hit("login-failed", self._failure_window)
        waits = [
            *([client_retry] if from_client > self._client_failures else []),
            *([overall_retry] if overall > self._failures else []),
        ]
        return _too_many(max(waits)) if waits else None

    @staticmethod
    def _throttle_key(address: str, client: str) -> str:
        return "login:" + hashlib.sha256(f"{address}\x00{client}".encode()).hexdigest()


def _too_many(retry_after: int) -> RateLimited:
    """One refusal for every login throttle, so that which one refused tells nothing about the account."""
    return RateLimited(f"Too many login attempts; try again in {retry_after} seconds", retry_after=retry_after)
