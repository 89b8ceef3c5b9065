"""The operations a graphql-transport-ws socket may run at once (`websocket_max_operations`): one more is
refused with an error frame whose errors carry `extensions.code` RATE_LIMITED, for subscriptions and for
queries and mutations in flight alike, and the socket goes on working once one of them ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from domain.errors import RateLimited
from graph.server.app import create_app
from tests.support.client import GraphQL
from tests.support.people import register
from tests.support.servers import http, live_server
from tests.support.settings import make_settings
from tests.support.websockets import receive, socket

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
LIMIT = 2
WATCH = 'subscription { improveResume(resumeId: "r", jobId: "j") { status } }'
SLOW = 'mutation { register(email: "slow@example.com", password: "correct horse") { token } }'


async def send(ws: ClientConnection, op_id: str, query: str) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))


async def refused(ws: ClientConnection, op_id: str) -> None:
    """The next frame is the refusal of `op_id`: an error frame with coded errors."""
    async with asyncio.timeout(5):
        frame = await receive(ws)
    assert frame["type"] == "error" and frame["id"] == op_id, frame
    (error,) = frame["payload"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert f"At most {LIMIT} operations" in error["message"]


async def works(ws: ClientConnection, op_id: str) -> None:
    await send(ws, op_id, "{ __typename }")
    async with asyncio.timeout(5):
        assert await receive(ws) == {"id": op_id, "type": "next", "payload": {"data": {"__typename": "Query"}}}
        assert await receive(ws) == {"id": op_id, "type": "complete"}


async def test_one_subscription_too_many_is_refused_with_a_code(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, websocket_max_operations=LIMIT))
    started = asyncio.Semaphore(0)

    async def quiet(*_: Any) -> AsyncIterator[Any]:  # a run that sends nothing until it is unsubscribed
        started.release()
        await asyncio.Event().wait()
        yield None

    app.state.services.improvements.events = quiet
    async with live_server(app) as address, http(address) as client:
        token = (await register(GraphQL(client)))["token"]
        async with socket(address, token) as ws:
            for op_id in ("1", "2"):
                await send(ws, op_id, WATCH)
            for _ in range(LIMIT):
                async with asyncio.timeout(5):
                    await started.acquire()  # both subscriptions are running
            await send(ws, "3", WATCH)
            await refused(ws, "3")
            await ws.send(json.dumps({"id": "1", "type": "complete"}))  # one ends: there is room again
            await works(ws, "4")


async def test_one_operation_too_many_in_flight_is_refused_with_a_code(tmp_path: Path, database_url: str) -> None:
    app = create_app(make_settings(tmp_path, database_url, websocket_max_operations=LIMIT))
    release = asyncio.Event()
    running = asyncio.Semaphore(0)

    async def slow(*_: Any) -> None:
        running.release()
        await release.wait()
        raise RateLimited("made up for the test", retry_after=1)

    app.state.services.accounts.register = slow
    async with live_server(app) as address:
        async with socket_anonymous(address) as ws:
            for op_id in ("a", "b"):
                await send(ws, op_id, SLOW)
            for _ in range(LIMIT):
                async with asyncio.timeout(5):
                    await running.acquire()
            await send(ws, "c", "{ __typename }")
            await refused(ws, "c")
            release.set()
            finished: dict[str, list[str]] = {}
            completed: set[str] = set()
            async with asyncio.timeout(5):
                while len(completed) < LIMIT:
                    frame = await receive(ws)
                    if frame["type"] == "next":
                        finished[frame["id"]] = [e["extensions"]["code"] for e in frame["payload"]["errors"]]
                    else:
                        assert frame["type"] == "complete", frame
                        completed.add(frame["id"])
            assert finished == {"a": ["RATE_LIMITED"], "b": ["RATE_LIMITED"]}
            await works(ws, "d")


@asynccontextmanager
async def socket_anonymous(address: str) -> AsyncIterator[ClientConnection]:
    """A socket without a token (`connection_init` with no payload)."""
    async with connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert (await receive(ws))["type"] == "connection_ack"
        yield ws
