"""Backend outages (issue #16): a database or Redis that refuses, or accepts and never answers, answers
SERVICE_UNAVAILABLE with `retryAfter` within the connect timeout, on every path, and fails start-up
in one clear line instead of freezing it for a minute."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from domain.security import Tokens
from graph.errors import outage
from graph.server.app import create_app
from graph.server.settings import WebSettings
from storage.db import create_engine
from tests.support.client import GraphQL, error_codes
from tests.support.databases import POSTGRES_ADMIN_URL, POSTGRES_ENABLED
from tests.support.servers import http_client, live_server, running
from tests.support.settings import TEST_SECRET, make_settings

LOGIN = 'mutation { login(email: "ada@example.com", password: "correct horse") { token } }'
PASSWORD = "hunter2-secret"  # in the URL: must never reach a client
FAST = {"database_connect_timeout_seconds": 0.5, "database_statement_timeout_seconds": 1.0}
BOUND = 5.0  # seconds an outage may take to answer with these timeouts (the stall was 53 s)


class _Silent(asyncio.Protocol):
    """Accepts the connection and never says a word."""

    def __init__(self, held: list[asyncio.BaseTransport]) -> None:
        self.held = held

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.held.append(transport)


@asynccontextmanager
async def hanging_port() -> AsyncIterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers (a wedged database)."""
    held: list[asyncio.BaseTransport] = []
    server = await asyncio.get_running_loop().create_server(lambda: _Silent(held), "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for transport in held:
            transport.close()
        await server.wait_closed()


def refused_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_url(port: int) -> str:
    return f"postgresql+asyncpg://tailor:{PASSWORD}@127.0.0.1:{port}/tailor"


def down_settings(tmp_path: Path, database_url: str, **overrides: Any) -> WebSettings:
    """A server that starts without touching the database (so requests meet the outage)."""
    values: dict[str, Any] = {"migrate_on_start": False, "index_worker": False, **FAST, **overrides}
    return make_settings(tmp_path, database_url, **values)


def token_for(user_id: str = "00000000-0000-0000-0000-000000000001") -> str:
    return Tokens(secret=TEST_SECRET, issuer="tailor", lifetime=timedelta(hours=1)).issue(user_id).token


def assert_unavailable(error: dict[str, Any], port: int | None = None) -> None:
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
    assert isinstance(error["extensions"]["retryAfter"], int) and error["extensions"]["retryAfter"] > 0
    message = error["message"]
    assert "try again in" in message
    for leak in [PASSWORD, "127.0.0.1", "Error", "asyncpg", str(port)]:
        assert leak not in message, message


@asynccontextmanager
async def timed(bound: float = BOUND) -> AsyncIterator[None]:
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < bound


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "data" / "tailor.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


# --- A database that accepts and never answers ---------------------------------------------------------


async def test_hanging_database_answers_service_unavailable_in_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with hanging_port() as port:
        async with running(create_app(down_settings(tmp_path, postgres_url(port)))) as app:
            async with http_client(app) as client:
                gql = GraphQL(client)
                caplog.clear()
                with caplog.at_level(logging.WARNING):
                    async with timed():
                        body = await gql(LOGIN)
                assert body["data"] is None
                assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
                assert_unavailable(body["errors"][0], port)
                assert body["errors"][0]["message"].startswith("The database is not answering")
                outage_lines = [r for r in caplog.records if "unavailable during" in r.getMessage()]
                assert outage_lines and all(r.levelno == logging.WARNING and not r.exc_info for r in outage_lines)
                assert PASSWORD not in caplog.text

                async with timed():  # a signed-in caller: the token's account cannot be read
                    body = await gql("{ me { email } }", token=token_for())
                assert error_codes(body) == ["SERVICE_UNAVAILABLE"]

                async with timed():  # the plain HTTP endpoints: 503 with Retry-After
                    response = await client.get(
                        "/feedback/export.csv", headers={"Authorization": f"Bearer {token_for()}"}
                    )
                assert response.status_code == 503
                assert response.headers["retry-after"].isdigit()
                assert_unavailable(response.json()["errors"][0], port)

                async with timed():
                    health = await client.get("/healthz")
                assert health.status_code == 503 and health.headers["retry-after"].isdigit()
                assert health.json()["code"] == "SERVICE_UNAVAILABLE" and health.json()["database"] == "unreachable"


async def test_start_up_with_a_hanging_database_fails_fast_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with hanging_port() as port:
        app = create_app(make_settings(tmp_path, postgres_url(port), index_worker=False, **FAST))
        with caplog.at_level(logging.ERROR, logger="tailor.app"):
            started = time.perf_counter()
            with pytest.raises(RuntimeError, match="TAILOR_DATABASE_CONNECT_TIMEOUT_SECONDS"):
                async with running(app):
                    pytest.fail("the server started without its database")
            assert time.perf_counter() - started < 15  # the issue's stall was 60 s
    [line] = [r.getMessage() for r in caplog.records if r.name == "tailor.app" and r.levelno == logging.ERROR]
    assert "\n" not in line and "cannot start" in line and "TAILOR_DATABASE_CONNECT_TIMEOUT_SECONDS=0.5" in line
    assert PASSWORD not in line


async def test_start_up_with_a_refused_database_names_the_url_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(tmp_path, postgres_url(refused_port()), index_worker=False, **FAST))
    with caplog.at_level(logging.ERROR, logger="tailor.app"):
        with pytest.raises(RuntimeError, match="TAILOR_DATABASE_URL"):
            async with running(app):
                pytest.fail("the server started without its database")
    assert PASSWORD not in caplog.text


# --- A database that refuses ---------------------------------------------------------------------------


async def test_refused_database_answers_service_unavailable(tmp_path: Path) -> None:
    port = refused_port()
    async with running(create_app(down_settings(tmp_path, postgres_url(port)))) as app:
        async with http_client(app) as client:
            async with timed():
                body = await GraphQL(client)(LOGIN)
            assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
            assert_unavailable(body["errors"][0], port)
            # A client that asked for the GraphQL response type gets the same coded error.
            response = await client.post(
                "/graphql", json={"query": LOGIN}, headers={"accept": "application/graphql-response+json"}
            )
            assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
            assert response.status_code == 503 and response.json()["data"] is None
            health = await client.get("/healthz")
            assert health.status_code == 503 and health.json()["retryAfter"] > 0


async def test_websockets_answer_service_unavailable(tmp_path: Path) -> None:
    async with hanging_port() as port:
        async with live_server(create_app(down_settings(tmp_path, postgres_url(port)))) as address:
            url = f"ws://{address}/graphql"
            async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LOGIN}}))
                async with timed():
                    message = json.loads(await ws.recv())
                assert message["type"] == "next" and message["id"] == "1"
                assert_unavailable(message["payload"]["errors"][0], port)

            # A token that cannot be checked: "try again later" (1013), not "forbidden" (4403).
            async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token_for()}"}}
                await ws.send(json.dumps(init))
                async with timed():
                    with pytest.raises(ConnectionClosed) as closed:
                        await ws.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
                assert "try again" in closed.value.rcvd.reason and PASSWORD not in closed.value.rcvd.reason


# --- Redis -------------------------------------------------------------------------------------------


async def test_refused_redis_answers_service_unavailable(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(
        tmp_path, sqlite_url, redis_url=f"redis://:{PASSWORD}@127.0.0.1:{refused_port()}/0", index_worker=False, **FAST
    )
    async with running(create_app(settings)) as app:
        async with http_client(app) as client:
            async with timed():
                body = await GraphQL(client)(LOGIN)  # login's attempt counter lives in Redis
            assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
            assert_unavailable(body["errors"][0])
            assert body["errors"][0]["message"].startswith("Redis is not answering")
            health = await client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["database"] == "ok" and health.json()["redis"] == "unreachable"


async def test_hanging_redis_answers_within_the_timeout(tmp_path: Path, sqlite_url: str) -> None:
    async with hanging_port() as port:
        settings = make_settings(
            tmp_path, sqlite_url, redis_url=f"redis://127.0.0.1:{port}/0", index_worker=False, **FAST
        )
        async with running(create_app(settings)) as app:
            async with http_client(app) as client:
                async with timed():
                    body = await GraphQL(client)(LOGIN)
                assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
                assert_unavailable(body["errors"][0], port)


# --- The statement timeout and the classification ---------------------------------------------------------


@pytest.mark.skipif(not POSTGRES_ENABLED, reason="needs PostgreSQL")
async def test_a_statement_past_the_statement_timeout_is_an_outage() -> None:
    engine = create_engine(POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://"), statement_timeout=0.5)
    try:
        started = time.perf_counter()
        with pytest.raises(Exception) as raised:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(10)"))
        assert time.perf_counter() - started < BOUND
        unavailable = outage(raised.value)
        assert unavailable is not None and unavailable.message.startswith("The database is not answering")
        async with engine.connect() as conn:  # the pool still serves
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "error",
    [ValueError("bad"), KeyError("x"), FileNotFoundError(2, "No such file"), PermissionError(13, "denied")],
)
def test_bugs_and_file_errors_are_not_outages(error: Exception) -> None:
    assert outage(error) is None


def test_driver_errors_are_outages_without_their_text() -> None:
    import redis.exceptions
    from sqlalchemy.exc import OperationalError

    for error in [
        ConnectionRefusedError(111, "Connect call failed ('10.0.0.5', 5432)"),
        TimeoutError(),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0)"),
        OperationalError("SELECT 1", {}, Exception("database is locked")),
        redis.exceptions.ConnectionError("Error 111 connecting to 10.0.0.5:6379. Connection refused."),
    ]:
        unavailable = outage(error)
        assert unavailable is not None and unavailable.code == "SERVICE_UNAVAILABLE", error
        assert "10.0.0.5" not in unavailable.message and "locked" not in unavailable.message
        assert unavailable.details == {"retryAfter": unavailable.retry_after}
