"""Identity per operation, and sessions a person controls: a per-account session version that every
token carries, re-checked on every HTTP request and every websocket operation (and while a socket stays
open), `changePassword`, `signOutEverywhere` and `tailor reset-password`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.errors import Unauthenticated
from domain.security import Tokens
from domain.session_stamps import SessionStamps
from graph.server.app import build_services, create_app
from tests.support.cli import TAILOR, cli_env
from tests.support.client import GraphQL, error_codes
from tests.support.operations import CHANGE, DELETE_ACCOUNT, ME, SIGN_OUT
from tests.support.people import register
from tests.support.servers import http, live_server
from tests.support.settings import TEST_SECRET, make_settings
from tests.support.statements import statements as recorded
from tests.support.websockets import DEADLINE, closed_with, run, socket

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
CREATE_PUBLIC = 'mutation { createJob(input: {rawText: "Engineer\\nPython", visibility: PUBLIC}) { id } }'


# --- HTTP ---------------------------------------------------------------------------------------------


async def test_sign_out_everywhere_ends_every_token(gql: GraphQL) -> None:
    first = (await register(gql))["token"]
    login = await gql(LOGIN, {"e": "ada@example.com", "p": "correct horse"})
    second = login["data"]["login"]["token"]
    assert (await gql(SIGN_OUT, token=second)) == {"data": {"signOutEverywhere": True}}
    for token in [first, second]:
        body = await gql(ME, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert "log in again" in body["errors"][0]["message"]
    fresh = (await gql(LOGIN, {"e": "ada@example.com", "p": "correct horse"}))["data"]["login"]["token"]
    assert (await gql(ME, token=fresh))["data"]["me"]["email"] == "ada@example.com"
    assert error_codes(await gql(SIGN_OUT)) == ["UNAUTHENTICATED"]  # needs a signed-in caller


async def test_change_password(gql: GraphQL, settings: Any) -> None:
    old = (await register(gql))["token"]
    wrong = await gql(CHANGE, {"current": "wrong horse", "new": "battery staple"}, token=old)
    assert error_codes(wrong) == ["BAD_USER_INPUT"]
    assert wrong["errors"][0]["extensions"]["field"] == "currentPassword"
    short = await gql(CHANGE, {"current": "correct horse", "new": "short"}, token=old)
    assert error_codes(short) == ["BAD_USER_INPUT"]
    assert short["errors"][0]["extensions"]["field"] == "newPassword"
    assert (await gql(ME, token=old))["data"]["me"] is not None  # refusals changed nothing

    changed = await gql(CHANGE, {"current": "correct horse", "new": "battery staple"}, token=old)
    assert "errors" not in changed, changed
    new = changed["data"]["changePassword"]["token"]
    assert error_codes(await gql(ME, token=old)) == ["UNAUTHENTICATED"]
    assert (await gql(ME, token=new))["data"]["me"]["email"] == "ada@example.com"
    assert error_codes(await gql(LOGIN, {"e": "ada@example.com", "p": "correct horse"})) == ["UNAUTHENTICATED"]
    assert "errors" not in await gql(LOGIN, {"e": "ada@example.com", "p": "battery staple"})


async def test_wrong_current_passwords_are_throttled_like_logins(gql: GraphQL, settings: Any) -> None:
    token = (await register(gql))["token"]
    for _ in range(settings.login_max_attempts):
        body = await gql(CHANGE, {"current": "wrong horse", "new": "battery staple"}, token=token)
        assert error_codes(body) == ["BAD_USER_INPUT"]
    blocked = await gql(CHANGE, {"current": "correct horse", "new": "battery staple"}, token=token)
    assert error_codes(blocked) == ["RATE_LIMITED"]
    assert (await gql(ME, token=token))["data"]["me"] is not None


async def test_an_http_request_reads_the_account_once(gql: GraphQL, app: Any) -> None:
    """The version check rides on the read that was there already: one `users` query per request."""
    token = (await register(gql))["token"]
    with recorded(app) as statements:
        assert (await gql(ME, token=token))["data"]["me"] is not None
    assert sum("FROM users" in s for s in statements) == 1, statements


async def test_links_die_with_the_session(gql: GraphQL, app: Any) -> None:
    """A signed download link carries the session version too: signing out everywhere ends it."""
    token = (await register(gql))["token"]
    accounts = app.state.services.accounts
    user = await accounts.user_for_token(token)
    link = accounts.download_token(user, "generations/x.pdf", timedelta(minutes=5)).token
    assert (await accounts.user_for_download(link, "generations/x.pdf")).id == user.id
    await gql(SIGN_OUT, token=token)
    with pytest.raises(Unauthenticated):
        await accounts.user_for_download(link, "generations/x.pdf")


# --- The per-process stamps -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_stamps_read_once_per_account_per_period(gql: GraphQL, app: Any) -> None:
    user_id = (await register(gql))["user"]["id"]
    now = [0.0]
    stamps = SessionStamps(app.state.services.sessions, 1.0, clock=lambda: now[0])
    results = await asyncio.gather(*(stamps.get(user_id) for _ in range(50)))  # concurrent misses share a read
    assert {r.session_version for r in results if r} == {0} and stamps.reads == 1
    for _ in range(100):
        await stamps.get(user_id)
    assert stamps.reads == 1
    now[0] = 0.99
    await stamps.get(user_id)
    assert stamps.reads == 1
    now[0] = 1.0  # a second old: read again
    await stamps.get(user_id)
    assert stamps.reads == 2
    await stamps.get(user_id, at_least=1)  # a token newer than the cached stamp: this process missed a bump
    assert stamps.reads == 3
    assert await stamps.get("no-such-account") is None


# --- Websockets through a live server ------------------------------------------------------------------


async def test_deleted_account_socket_closes_on_its_next_operation(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, session_check_seconds=60)  # no watch: the operation sees it
    # (a deletion in this process reaches its sockets at once; other processes see it within the period)
    async with live_server(create_app(settings)) as address, http(address) as client:
        token = (await register(GraphQL(client)))["token"]
        async with socket(address, token) as ws:
            assert (await run(ws, ME))["data"]["me"]["email"] == "ada@example.com"
            deleted = await GraphQL(client, token)(DELETE_ACCOUNT, {"p": "correct horse"})
            assert deleted == {"data": {"deleteAccount": True}}
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": ME}}))
            code, reason = await closed_with(ws)
            assert code == 4403 and "no longer exists" in reason


async def test_sign_out_everywhere_closes_open_sockets(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address, http(address) as client:
        token = (await register(GraphQL(client)))["token"]
        async with socket(address, token) as one, socket(address, token) as two:
            assert (await run(one, ME))["data"]["me"] is not None
            assert (await GraphQL(client, token)(SIGN_OUT))["data"] == {"signOutEverywhere": True}
            for ws in [one, two]:  # the idle one too: the watch closes it without a new operation
                code, reason = await closed_with(ws)
                assert code == 4403 and "log in again" in reason
        assert error_codes(await GraphQL(client, token)(ME)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_change_password_closes_older_sockets_but_not_newer(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address, http(address) as client:
        old = (await register(GraphQL(client)))["token"]
        async with socket(address, old) as ws:
            changed = await GraphQL(client, old)(CHANGE, {"current": "correct horse", "new": "battery staple"})
            new = changed["data"]["changePassword"]["token"]
            code, _ = await closed_with(ws)
            assert code == 4403
        async with socket(address, new) as ws:  # opened on another socket right after: works
            assert (await run(ws, ME))["data"]["me"]["email"] == "ada@example.com"


async def test_role_change_reaches_an_open_socket(tmp_path: Path, database_url: str) -> None:
    """`tailor set-role` runs in another process: the server sees the new role within a second,
    and the socket stays open."""
    settings = make_settings(tmp_path, database_url)
    operator = build_services(settings)  # what the CLI builds: a process of its own, its own stamps
    try:
        async with live_server(create_app(settings)) as address, http(address) as client:
            token = (await register(GraphQL(client), "boss@example.com"))["token"]
            await operator.accounts.set_role("boss@example.com", "ADMIN")
            async with socket(address, token) as ws:
                assert "errors" not in await run(ws, CREATE_PUBLIC, "admin")
                await operator.accounts.set_role("boss@example.com", "USER")
                deadline = time.monotonic() + DEADLINE
                for attempt in range(1000):
                    payload = await run(ws, CREATE_PUBLIC, f"user-{attempt}")
                    if "errors" in payload:
                        break
                    assert time.monotonic() < deadline, "still creating PUBLIC jobs as a USER"
                    await asyncio.sleep(0.05)
                assert error_codes(payload) == ["BAD_USER_INPUT"]
                assert "administrators" in payload["errors"][0]["message"]
                assert (await run(ws, ME, "me"))["data"]["me"]["role"] == "USER"
    finally:
        await operator.aclose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_expired_token_socket_closes(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address, http(address) as client:
        user_id = (await register(GraphQL(client)))["user"]["id"]
        lifetime = timedelta(minutes=5)
        tokens = Tokens(secret=TEST_SECRET, issuer="tailor", lifetime=lifetime)
        # Issued as if five minutes ago, less two seconds: it expires two seconds from now.
        short = tokens.issue(user_id, now=datetime.now(UTC) - lifetime + timedelta(seconds=2)).token
        async with socket(address, short) as ws:
            assert (await run(ws, ME))["data"]["me"]["id"] == user_id
            code, reason = await closed_with(ws)
            assert code == 4403 and "expired" in reason


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_socket_operations_share_one_read_per_account_per_period(tmp_path: Path, database_url: str) -> None:
    """Counted, not timed: with a long period, forty operations over two sockets read the stamp once."""
    app = create_app(make_settings(tmp_path, database_url, session_check_seconds=60))
    stamps = app.state.services.accounts.stamps
    async with live_server(app) as address, http(address) as client:
        token = (await register(GraphQL(client)))["token"]
        async with socket(address, token) as one, socket(address, token) as two:
            for i in range(20):
                for ws in [one, two]:
                    assert (await run(ws, ME, str(i)))["data"]["me"] is not None
        assert stamps.reads == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_loaders_do_not_outlive_an_operation_on_a_socket(tmp_path: Path, database_url: str) -> None:
    """The same query text twice on one socket (one parsed document) must not share a loader's cache."""
    query = "{ profile { skills { name } } }"
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address, http(address) as client:
        token = (await register(GraphQL(client)))["token"]
        async with socket(address, token) as ws:
            await run(ws, 'mutation { addSkill(input: {name: "Python"}) { id } }', "a")
            assert [s["name"] for s in (await run(ws, query, "q1"))["data"]["profile"]["skills"]] == ["Python"]
            await run(ws, 'mutation { addSkill(input: {name: "Rust"}) { id } }', "b")
            names = [s["name"] for s in (await run(ws, query, "q2"))["data"]["profile"]["skills"]]
            assert sorted(names) == ["Python", "Rust"]


# --- The operator's command ---------------------------------------------------------------------------


def test_reset_password_command(tmp_path: Path) -> None:
    env = cli_env(tmp_path, TAILOR_JWT_SECRET=TEST_SECRET)
    subprocess.run([*TAILOR, "migrate"], capture_output=True, env=env, check=True)
    settings = make_settings(tmp_path)

    async def register_account() -> str:
        services = build_services(settings)
        try:
            return (await services.accounts.register("boss@example.com", "correct horse", "cli-test")).token
        finally:
            await services.aclose()

    old = asyncio.run(register_account())

    def reset(email: str, password: str) -> subprocess.CompletedProcess[str]:
        command = [*TAILOR, "reset-password", email]
        return subprocess.run(command, input=password + "\n", capture_output=True, text=True, env=env)

    missing = reset("nobody@example.com", "battery staple")
    assert missing.returncode != 0 and "No account for nobody@example.com" in missing.stderr
    short = reset("boss@example.com", "short")
    assert short.returncode != 0 and "at least" in short.stderr
    out = reset("Boss@Example.com", "battery staple")
    assert out.returncode == 0, out.stderr
    assert "boss@example.com" in out.stdout and "battery staple" not in out.stdout + out.stderr

    async def check() -> None:
        services = build_services(settings)
        try:
            with pytest.raises(Unauthenticated):
                await services.accounts.user_for_token(old)  # every older session ended
            await services.accounts.login("boss@example.com", "battery staple", "cli-test")
        finally:
            await services.aclose()

    asyncio.run(check())
