"""Accounts at the edge: the User type, `me`, `register`, `login`, and the sessions a person controls
(`changePassword`, `signOutEverywhere`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from graph.context import Context
from storage.accounts import User as UserRow


@strawberry.enum
class Role(Enum):
    USER = "USER"
    ADMIN = "ADMIN"


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(row.id),
            email=row.email,
            role=Role(row.role),
            created_at=row.created_at,
            last_login_at=row.last_login_at,
        )


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime
    user: User


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The caller, or null when no token was sent.")
    async def me(self, info: Info[Context, None]) -> User | None:
        user = await info.context.current_user()
        return User.from_row(user) if user else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create an account (password of at least 8 characters) and log in.")
    async def register(self, info: Info[Context, None], email: str, password: str) -> AuthPayload:
        session = await info.context.services.accounts.register(email, password, info.context.client_address)
        return AuthPayload(token=session.token, expires_at=session.expires_at, user=User.from_row(session.user))

    @strawberry.mutation(description="Exchange email and password for a token.")
    async def login(self, info: Info[Context, None], email: str, password: str) -> AuthPayload:
        session = await info.context.services.accounts.login(email, password, info.context.client_address)
        return AuthPayload(token=session.token, expires_at=session.expires_at, user=User.from_row(session.user))

    @strawberry.mutation(
        description=(
            "Change your password (the current one is checked, and throttled like a login). Every other token "
            "and open websocket of the account stops working within a second; use the token answered here."
        )
    )
    async def change_password(self, info: Info[Context, None], current_password: str, new_password: str) -> AuthPayload:
        context = info.context
        user = await context.require_user()
        session = await context.services.accounts.change_password(
            user, current_password, new_password, context.client_address
        )
        return AuthPayload(token=session.token, expires_at=session.expires_at, user=User.from_row(session.user))

    @strawberry.mutation(
        description=(
            "End every session of your account, this one included: every token stops working and every open "
            "websocket closes (4403) within a second. Log in again afterwards."
        )
    )
    async def sign_out_everywhere(self, info: Info[Context, None]) -> bool:
        user = await info.context.require_user()
        await info.context.services.accounts.sign_out_everywhere(user)
        return True
