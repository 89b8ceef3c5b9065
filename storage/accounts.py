"""Users: the table and the repository that reads and writes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func, select
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

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)
