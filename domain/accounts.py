"""Accounts: registration, login with throttling, and resolving a bearer token to its user."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import BadInput, Conflict, NotFound, RateLimited, Unauthenticated
from domain.security import IssuedToken, Passwords, Tokens
from storage.accounts import DuplicateEmail, User, UserRepository
from storage.counters import Counters
from storage.db import transaction, utcnow

MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 256
BAD_CREDENTIALS = "Invalid email or password"
ROLES = ("USER", "ADMIN")
EXPORT_PURPOSE = "export"
EXPORT_TOKEN_MEMORY = 24 * 3600  # seconds a used download token is remembered (longer than it lives)
DOWNLOAD_PURPOSE = "download"  # + ":<path>": a signed link opens the one file at that path


@dataclass(frozen=True, slots=True)
class Session:
    """What register and login hand back: a bearer token and whose it is."""

    token: str
    expires_at: datetime
    user: User


def normalise_email(raw: str) -> str:
    """Trimmed, syntax-checked and lower-cased, so one mailbox is one account."""
    text = raw.strip()
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
    return checked.normalized.lower()


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_password(password: str, min_length: int) -> None:
    if not _encodable(password):
        raise BadInput("Password contains invalid characters", field="password")
    if len(password) < min_length:
        raise BadInput(f"Password must be at least {min_length} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadInput(f"Password must be at most {MAX_PASSWORD_LENGTH} characters", field="password")
    if not password.strip():
        raise BadInput("Password must not be only spaces", field="password")


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
    ) -> None:
        self._sessions = sessions
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
        """Unknown email and wrong password look the same, in answer and in time."""
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
            raise RateLimited(f"Too many login attempts; try again in {retry_after} seconds", retry_after=retry_after)
        async with self._sessions() as session:
            user = await UserRepository(session).by_email(address)
        valid = await self._passwords.verify(user.password_hash if user else await self._decoy(), password)
        if user is None or not valid:
            raise Unauthenticated(BAD_CREDENTIALS)
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
        return user

    async def confirm_password(self, user: User, password: str, client: str) -> None:
        """A logged-in person proves it is them before something drastic; throttled like a login."""
        key = self._throttle_key(user.email, client)
        attempts, retry_after = await self._counters.hit(key, self._window)
        if attempts > self._max_attempts:
            raise RateLimited(f"Too many attempts; try again in {retry_after} seconds", retry_after=retry_after)
        if not _encodable(password) or not await self._passwords.verify(user.password_hash, password):
            raise BadInput("The password is not correct", field="password")
        await self._counters.reset(key)

    def export_token(self, user: User, lifetime: timedelta) -> IssuedToken:
        """A short-lived token for one download of the person's data; useless as an access token."""
        return self._tokens.issue(user.id, purpose=EXPORT_PURPOSE, lifetime=lifetime)

    async def user_for_export(self, token: str) -> User:
        """The account a download token names; each token works once (counted in the shared counters)."""
        user_id = self._tokens.subject(token, purpose=EXPORT_PURPOSE)
        uses, _ = await self._counters.hit("export:" + hashlib.sha256(token.encode()).hexdigest(), EXPORT_TOKEN_MEMORY)
        if uses > 1:
            raise Unauthenticated("This download link was already used; ask for a new one")
        async with self._sessions() as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            raise Unauthenticated("The account for this download no longer exists")
        return user

    def download_token(self, user: User, path: str, lifetime: timedelta, *, now: datetime | None = None) -> IssuedToken:
        """A signed link's token: opens the one file at `path` for this person, as often as wanted until
        it expires, with no header (so `<a href>` works); useless as an access token or for another file."""
        return self._tokens.issue(user.id, purpose=f"{DOWNLOAD_PURPOSE}:{path}", lifetime=lifetime, now=now)

    async def user_for_download(self, token: str, path: str) -> User:
        """The account a signed link names, when the link is for `path`; it dies with the account."""
        user_id = self._tokens.subject(token, purpose=f"{DOWNLOAD_PURPOSE}:{path}")
        return await self._user(user_id, "The account for this link no longer exists")

    async def user_for_token(self, token: str) -> User:
        return await self._user(self._tokens.subject(token), "The account for this token no longer exists")

    async def _user(self, user_id: str, missing: str) -> User:
        async with self._sessions() as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            raise Unauthenticated(missing)
        return user

    def _session_for(self, user: User) -> Session:
        issued = self._tokens.issue(user.id)
        return Session(token=issued.token, expires_at=issued.expires_at, user=user)

    async def _decoy(self) -> str:
        """A real hash to verify against when the email is unknown, so timing reveals nothing."""
        if self._decoy_hash is None:
            self._decoy_hash = await self._passwords.hash("decoy password for unknown accounts")
        return self._decoy_hash

    @staticmethod
    def _throttle_key(address: str, client: str) -> str:
        return "login:" + hashlib.sha256(f"{address}\x00{client}".encode()).hexdigest()
