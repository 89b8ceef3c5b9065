"""Websockets over a real uvicorn on 127.0.0.1: graphql-transport-ws, auth in connection_init."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from graph.server.app import create_app
from tests.support.servers import live_server
from tests.support.settings import make_settings

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv(decode=True))
    return message


async def register_over_http(address: str) -> str:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post(
            "/graphql",
            json={"query": 'mutation { register(email: "ws@example.com", password: "correct horse") { token } }'},
        )
    token: str = response.json()["data"]["register"]["token"]
    return token


async def test_connection_init_authenticates_the_socket(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        token = await register_over_http(address)
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == TRANSPORT_WS
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
            ack = await receive(ws)
            assert ack["type"] == "connection_ack"
            assert ack["payload"]["userId"]
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { email } }"}}))
            assert await receive(ws) == {
                "id": "1",
                "type": "next",
                "payload": {"data": {"me": {"email": "ws@example.com"}}},
            }
            assert await receive(ws) == {"id": "1", "type": "complete"}


async def test_anonymous_socket_sees_no_user(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            assert (await receive(ws))["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { email } }"}}))
            assert (await receive(ws))["payload"] == {"data": {"me": None}}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("authorization", ["Bearer forged.token.value", "Basic abc", 42])
async def test_bad_token_closes_with_4403(tmp_path: Path, database_url: str, authorization: Any) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": authorization}}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_errors_over_the_socket_carry_codes(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await receive(ws)
            mutation = 'mutation { register(email: "nope", password: "correct horse") { token } }'
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": mutation}}))
            message = await receive(ws)
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "email"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_legacy_protocol_only_when_enabled(tmp_path: Path, database_url: str) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[LEGACY_WS]) as ws:  # type: ignore[list-item]
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406

    enabled = make_settings(tmp_path, database_url, legacy_graphql_ws=True)
    async with live_server(create_app(enabled)) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[LEGACY_WS]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == LEGACY_WS
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert (await receive(ws))["type"] == "connection_ack"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_browser_origins_come_from_settings(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, cors_origins=["https://app.example.com"])
    async with live_server(create_app(settings)) as address:
        url = f"ws://{address}/graphql"
        async with connect(url, subprotocols=[TRANSPORT_WS], origin="https://app.example.com") as ws:  # type: ignore[list-item,arg-type]
            await ws.send(json.dumps({"type": "connection_init"}))
            assert (await receive(ws))["type"] == "connection_ack"
        async with connect(url, subprotocols=[TRANSPORT_WS], origin="https://evil.example.com") as ws:  # type: ignore[list-item,arg-type]
            assert ws.subprotocol == TRANSPORT_WS  # browsers fail a handshake that does not echo theirs
            with pytest.raises(ConnectionClosed) as refused:
                await ws.recv()  # closed before any message is read, with a reason a browser can show
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403
        assert "TAILOR_CORS_ORIGINS" in refused.value.rcvd.reason


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_development_origins_on_loopback(tmp_path: Path, database_url: str) -> None:
    """Unconfigured, a server on loopback lets pages on http://localhost:* open sockets; configured, only those."""
    for origins, allowed in [(None, True), ([], False)]:
        settings = make_settings(tmp_path, database_url, cors_origins=origins)
        async with live_server(create_app(settings)) as address:
            url = f"ws://{address}/graphql"
            async with connect(url, subprotocols=[TRANSPORT_WS], origin="http://localhost:5173") as ws:  # type: ignore[list-item,arg-type]
                if allowed:
                    await ws.send(json.dumps({"type": "connection_init"}))
                    assert (await receive(ws))["type"] == "connection_ack"
                else:
                    with pytest.raises(ConnectionClosed):
                        await ws.recv()


async def subscribe_once(ws: ClientConnection, payload: dict[str, Any], op_id: str = "1") -> dict[str, Any]:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    return await receive(ws)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_request_errors_over_the_socket_carry_codes(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    cases = [
        ({"query": "{ me { id "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ me { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "{ " + "__typename " * (settings.max_query_tokens + 1) + "}"}, "QUERY_TOO_COMPLEX"),
        ({"query": "{ __typename }", "operationName": "X"}, "BAD_USER_INPUT"),
        ({"query": "query A { __typename } query B { __typename }"}, "BAD_USER_INPUT"),
        ({"query": " ".join(f"a{i}: __typename" for i in range(20)).join("{}")}, "QUERY_TOO_COMPLEX"),
        ({"query": "{ __typename }", "variables": {"x": json.loads("[" * 600 + "]" * 600)}}, "BAD_USER_INPUT"),
    ]
    async with live_server(create_app(settings)) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await receive(ws)
            for index, (payload, code) in enumerate(cases):
                message = await subscribe_once(ws, payload, str(index))
                assert message["type"] in ("error", "next"), message
                errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
                assert [e["extensions"]["code"] for e in errors] == [code], payload
            await ws.send(json.dumps({"id": "ok", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
            assert (await receive(ws))["payload"] == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "frame",
    [
        [1, 2],
        42,
        {"id": [1], "type": "subscribe", "payload": {"query": "{ __typename }"}},
        {"id": "1", "type": "subscribe", "payload": "x"},
        {"id": "1", "type": "subscribe", "payload": {"query": 7}},
        {"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": [1]}},
        {"type": 5},
    ],
)
async def test_malformed_frames_close_with_4400(tmp_path: Path, database_url: str, frame: Any) -> None:
    async with live_server(create_app(make_settings(tmp_path, database_url))) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await receive(ws)
            await ws.send(json.dumps(frame))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_operations_over_the_socket_time_out(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    app = create_app(make_settings(tmp_path, database_url, operation_timeout_seconds=0.2))

    async def slow(*_: Any) -> None:
        await asyncio.sleep(5)

    monkeypatch.setattr(app.state.services.accounts, "register", slow)
    async with live_server(app) as address:
        async with connect(f"ws://{address}/graphql", subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await receive(ws)
            mutation = 'mutation { register(email: "t@example.com", password: "correct horse") { token } }'
            message = await asyncio.wait_for(subscribe_once(ws, {"query": mutation}), 3)
            assert message["payload"]["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
