"""A graphql-transport-ws client for a live server: open an acknowledged socket, run one operation, wait
for the server to close it. Shared by the session, shared-stamp, socket-limit and improvement tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT_WS = "graphql-transport-ws"
DEADLINE = 5.0  # seconds a change may take to reach an open socket (the promise is about one)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv(decode=True))
    return message


@asynccontextmanager
async def socket(address: str, token: str | None) -> AsyncIterator[ClientConnection]:
    """A socket past connection_ack, signed in with `token` (anonymous when None)."""
    async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert (await receive(ws))["type"] == "connection_ack"
        yield ws


async def run(ws: ClientConnection, query: str, op_id: str = "1") -> dict[str, Any]:
    """One operation; its `next` payload (its `complete` is read too)."""
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    message = await receive(ws)
    assert message["type"] == "next", message
    assert await receive(ws) == {"id": op_id, "type": "complete"}
    payload: dict[str, Any] = message["payload"]
    return payload


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """Waits (at most DEADLINE seconds, no fixed sleep) for the server to close the socket."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(DEADLINE):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None, "the server did not close the socket"
    return closed.value.rcvd.code, closed.value.rcvd.reason
