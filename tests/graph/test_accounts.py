"""Accounts through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import func, select

from domain.security import Tokens
from storage.accounts import User
from tests.support.client import GraphQL, error_codes
from tests.support.operations import REGISTER
from tests.support.people import register
from tests.support.settings import TEST_SECRET

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt user { id email lastLoginAt } }
}"""
ME = "{ me { id email role createdAt } }"


async def count_users(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)))


async def test_register_login_me_round_trip(gql: GraphQL) -> None:
    registered = await register(gql, "  Ada.Lovelace@Example.COM ", "correct horse")
    assert registered["user"]["email"] == "ada.lovelace@example.com"
    assert registered["user"]["role"] == "USER"
    assert datetime.fromisoformat(registered["expiresAt"]) > datetime.now(UTC) + timedelta(hours=23)

    me = await gql(ME, token=registered["token"])
    assert me == {"data": {"me": {**registered["user"]}}}

    login = await gql(LOGIN, {"email": "ADA.LOVELACE@example.com", "password": "correct horse"})
    assert "errors" not in login
    assert login["data"]["login"]["user"]["id"] == registered["user"]["id"]
    assert login["data"]["login"]["user"]["lastLoginAt"] is not None
    me_again = await gql(ME, token=login["data"]["login"]["token"])
    assert me_again["data"]["me"]["id"] == registered["user"]["id"]


async def test_me_is_null_without_a_token(gql: GraphQL) -> None:
    assert await gql(ME) == {"data": {"me": None}}


async def test_password_is_hashed_with_argon2(gql: GraphQL, app) -> None:  # type: ignore[no-untyped-def]
    await register(gql, "ada@example.com", "correct horse")
    async with app.state.services.sessions() as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


async def test_duplicate_email_is_a_conflict_and_writes_nothing(gql: GraphQL, app) -> None:  # type: ignore[no-untyped-def]
    await register(gql, "ada@example.com")
    body = await gql(REGISTER, {"email": "ADA@example.com ", "password": "another password"})
    assert error_codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["field"] == "email"
    assert body["data"] is None
    assert await count_users(app) == 1


async def test_password_rules_name_the_field(gql: GraphQL, app) -> None:  # type: ignore[no-untyped-def]
    for password in ["short", "       ", "x" * 257]:
        body = await gql(REGISTER, {"email": "ada@example.com", "password": password})
        assert error_codes(body) == ["BAD_USER_INPUT"], password
        assert body["errors"][0]["extensions"]["field"] == "password"
    assert await count_users(app) == 0


async def test_invalid_email_is_bad_user_input(gql: GraphQL) -> None:
    for email in ["", "not-an-email", "a@", "x" * 250 + "@example.com"]:
        body = await gql(REGISTER, {"email": email, "password": "correct horse"})
        assert error_codes(body) == ["BAD_USER_INPUT"], email
        assert body["errors"][0]["extensions"]["field"] == "email"


async def test_wrong_password_and_unknown_email_answer_alike(gql: GraphQL) -> None:
    await register(gql, "ada@example.com", "correct horse")
    wrong = await gql(LOGIN, {"email": "ada@example.com", "password": "wrong horse"})
    unknown = await gql(LOGIN, {"email": "nobody@example.com", "password": "wrong horse"})
    assert error_codes(wrong) == error_codes(unknown) == ["UNAUTHENTICATED"]
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"] == "Invalid email or password"


async def test_login_attempts_are_rate_limited_per_email_and_ip(gql: GraphQL, settings) -> None:  # type: ignore[no-untyped-def]
    await register(gql, "ada@example.com", "correct horse")
    for _ in range(settings.login_max_attempts):
        body = await gql(LOGIN, {"email": "ada@example.com", "password": "wrong horse"})
        assert error_codes(body) == ["UNAUTHENTICATED"]
    # Now even the right password is refused until the window passes.
    blocked = await gql(LOGIN, {"email": "ada@example.com", "password": "correct horse"})
    assert error_codes(blocked) == ["RATE_LIMITED"]
    assert 0 < blocked["errors"][0]["extensions"]["retryAfter"] <= settings.login_window_seconds
    # Another account from the same address is not affected.
    await register(gql, "grace@example.com", "correct horse")
    other = await gql(LOGIN, {"email": "grace@example.com", "password": "correct horse"})
    assert "errors" not in other


async def test_concurrent_guesses_cannot_outrun_the_limit(gql: GraphQL, settings) -> None:  # type: ignore[no-untyped-def]
    await register(gql, "ada@example.com", "correct horse")
    tries = settings.login_max_attempts * 3
    bodies = await asyncio.gather(
        *(gql(LOGIN, {"email": "ada@example.com", "password": f"wrong {i}"}) for i in range(tries))
    )
    codes = Counter(code for body in bodies for code in error_codes(body))
    assert codes == {
        "UNAUTHENTICATED": settings.login_max_attempts,
        "RATE_LIMITED": tries - settings.login_max_attempts,
    }


async def test_registrations_per_address_are_limited(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    from graph.server.app import create_app
    from tests.support.servers import http_client, running
    from tests.support.settings import make_settings

    settings = make_settings(tmp_path, database_url, register_max_per_window=3)
    async with running(create_app(settings)) as app, http_client(app) as client:
        for i in range(3):
            await register(GraphQL(client), f"user{i}@example.com", "correct horse")
        body = await GraphQL(client)(REGISTER, {"email": "user9@example.com", "password": "correct horse"})
        assert error_codes(body) == ["RATE_LIMITED"]
        assert await count_users(app) == 3


async def test_successful_login_resets_the_failure_count(gql: GraphQL, settings) -> None:  # type: ignore[no-untyped-def]
    await register(gql, "ada@example.com", "correct horse")
    for _ in range(3):
        for _ in range(settings.login_max_attempts - 1):
            await gql(LOGIN, {"email": "ada@example.com", "password": "wrong horse"})
        ok = await gql(LOGIN, {"email": "ada@example.com", "password": "correct horse"})
        assert "errors" not in ok


async def test_expired_token_is_unauthenticated(gql: GraphQL) -> None:
    user = (await register(gql))["user"]
    tokens = Tokens(secret=TEST_SECRET, issuer="tailor", lifetime=timedelta(minutes=5))
    expired = tokens.issue(user["id"], now=datetime.now(UTC) - timedelta(hours=1)).token
    body = await gql(ME, token=expired)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


async def test_forged_and_garbled_tokens_are_unauthenticated(gql: GraphQL) -> None:
    user = (await register(gql))["user"]
    now = datetime.now(UTC)
    claims = {"sub": user["id"], "iss": "tailor", "iat": now, "exp": now + timedelta(hours=1)}
    forged = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in [forged, unsigned, "garbage", "a.b.c"]:
        body = await gql(ME, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"], token


async def test_authorization_header_must_be_bearer(gql: GraphQL) -> None:
    for value in ["Basic abc", "Bearer", "Bearer " + "x" * 5000]:
        response = await gql.client.post("/graphql", json={"query": ME}, headers={"Authorization": value})
        assert response.status_code == 200
        assert error_codes(response.json()) == ["UNAUTHENTICATED"], value[:20]


async def test_token_of_a_vanished_user_is_unauthenticated(gql: GraphQL, app) -> None:  # type: ignore[no-untyped-def]
    token = (await register(gql))["token"]
    async with app.state.services.sessions() as session, session.begin():
        await session.delete(await session.scalar(select(User)))
    assert error_codes(await gql(ME, token=token)) == ["UNAUTHENTICATED"]


async def test_login_throttle_is_shared_through_redis(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    """With TAILOR_REDIS_URL, two server processes count the same attempts."""
    import secrets

    from graph.server.app import create_app
    from tests.support.databases import REDIS_URL
    from tests.support.servers import http_client, running
    from tests.support.settings import make_settings

    prefix = f"tailor-test:{secrets.token_hex(6)}:"  # this run's keys only
    settings = make_settings(tmp_path, database_url, redis_url=REDIS_URL, login_max_attempts=4, redis_key_prefix=prefix)
    email = f"shared-{secrets.token_hex(6)}@example.com"
    async with running(create_app(settings)) as one, running(create_app(settings)) as two:
        async with http_client(one) as c1, http_client(two) as c2:
            await register(GraphQL(c1), email, "correct horse")
            for client in [c1, c2, c1, c2]:
                body = await GraphQL(client)(LOGIN, {"email": email, "password": "wrong horse"})
                assert error_codes(body) == ["UNAUTHENTICATED"]
            for client in [c1, c2]:
                body = await GraphQL(client)(LOGIN, {"email": email, "password": "correct horse"})
                assert error_codes(body) == ["RATE_LIMITED"]
        redis = one.state.services.redis
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        assert keys  # the counts really went to Redis
        await redis.delete(*keys)
