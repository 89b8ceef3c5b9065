"""Users: the table and the repository that reads and writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, new_id, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="USER")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Every token carries the stamp it was issued under; bumping it ends every session of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a socket re-checks each operation: the account's session version and role (no password hash)."""

    session_version: int
    role: str


class DuplicateEmail(Exception):
    """The email is taken (caught at the unique index, so concurrent registrations agree)."""


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email))

    async def add(self, email: str, password_hash: str, role: str = "USER") -> User:
        user = User(email=email, password_hash=password_hash, role=role)
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # the transaction is spoilt: the caller's block rolls back
            raise DuplicateEmail(email) from exc
        return user

    async def record_login(self, user_id: str, at: datetime, password_hash: str | None = None) -> User | None:
        """Stamp the login, and store a rehashed password when the hashing parameters changed."""
        user = await self.get(user_id)
        if user is not None:
            user.last_login_at = at
            if password_hash is not None:
                user.password_hash = password_hash
            await self.session.flush()
        return user

    async def set_role(self, email: str, role: str) -> User | None:
        user = await self.by_email(email)
        if user is not None:
            user.role = role
            await self.session.flush()
        return user

    async def stamp(self, user_id: str) -> Stamp | None:
        """Two small columns by primary key: the cheap read behind every websocket operation."""
        row = (await self.session.execute(select(User.session_version, User.role).where(User.id == user_id))).first()
        return Stamp(session_version=row[0], role=row[1]) if row is not None else None

    async def bump_session(self, user_id: str, password_hash: str | None = None) -> User | None:
        """Ends every session of the account (one atomic increment, so concurrent bumps both count);
        with `password_hash`, the new password is stored in the same statement."""
        values: dict[str, object] = {"session_version": User.session_version + 1, "updated_at": utcnow()}
        if password_hash is not None:
            values["password_hash"] = password_hash
        await self.session.execute(
            update(User).where(User.id == user_id).values(**values).execution_options(synchronize_session=False)
        )
        user = await self.get(user_id)
        if user is not None:
            await self.session.refresh(user)
        return user

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)
