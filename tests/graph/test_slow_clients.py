"""Half-sent requests cannot hold a connection: over raw sockets to a real uvicorn serving with Tailor's
HTTP protocol (graph/server/serving.py), headers must arrive within `request_header_timeout_seconds` and a body
within `request_read_timeout_seconds`; past either the server answers 408 with a coded body (when a
response is still possible) and closes. Tiny timeouts here, and no sleep longer than the bound tested."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from domain.errors import ERROR_CODES
from graph.server.app import create_app
from graph.server.serving import http_protocol
from tests.support.servers import live_server
from tests.support.settings import make_settings

HEAD, BODY = 0.6, 0.6  # seconds: the two deadlines of the servers here
SLACK = 2.0  # seconds past a deadline a connection may take to close (a loaded test machine)
QUERY = json.dumps({"query": "{ __typename }"}).encode()

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def post_head(length: int) -> bytes:
    return (
        "POST /graphql HTTP/1.1\r\nHost: tailor.test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@asynccontextmanager
async def guarded_server(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[str, int]]:
    """A live server as `tailor serve` runs it: uvicorn with Tailor's HTTP protocol."""
    settings = make_settings(
        tmp_path, database_url, request_header_timeout_seconds=HEAD, request_read_timeout_seconds=BODY
    )
    async with live_server(create_app(settings), http=http_protocol(HEAD)) as address:
        host, port = address.rsplit(":", 1)
        yield host, int(port)


async def read_until_closed(reader: asyncio.StreamReader, bound: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took; fails past `bound` + SLACK."""
    started = time.monotonic()
    async with asyncio.timeout(bound + SLACK):
        data = await reader.read()  # to EOF
    return data, time.monotonic() - started


def response_parts(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers, json.loads(body) if body else None


def assert_timed_out(raw: bytes, part: str) -> None:
    status, headers, body = response_parts(raw)
    assert status == 408, raw
    assert headers["connection"] == "close"
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "REQUEST_TIMEOUT" and "REQUEST_TIMEOUT" in ERROR_CODES
    assert f"request's {part} did not arrive" in error["message"]


@SQLITE
async def test_half_sent_headers_get_408_and_the_connection_closes(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /graphql HTTP/1.1\r\nHost: tailor.test\r\nContent-Type: appl")
        raw, took = await read_until_closed(reader, HEAD)
        assert_timed_out(raw, "headers")
        assert took >= HEAD * 0.9
        writer.close()


async def trickled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, bound: float) -> bytes:
    """Sends a byte every tenth of `bound` until the server closes (which must be within `bound`)."""

    async def trickle() -> None:
        while True:
            await asyncio.sleep(bound / 10)
            if writer.is_closing() or writer.transport.get_write_buffer_size():
                return  # the server has stopped reading
            writer.write(b"a")

    dripping = asyncio.create_task(trickle())
    try:
        raw, took = await read_until_closed(reader, bound)
    finally:
        dripping.cancel()
    assert took >= bound * 0.9
    return raw


@SQLITE
async def test_trickled_headers_do_not_move_the_deadline(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: tailor.test\r\nX-Slow: ")
        assert_timed_out(await trickled(reader, writer, HEAD), "headers")
        writer.close()


@SQLITE
async def test_a_connection_that_sends_nothing_is_closed(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        raw, took = await read_until_closed(reader, HEAD)
        assert raw == b"" and took >= HEAD * 0.9  # no request began: nothing to answer
        writer.close()


@SQLITE
async def test_half_sent_body_gets_408_and_the_connection_closes(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(post_head(len(QUERY)) + QUERY[:10])
        raw, took = await read_until_closed(reader, BODY)
        assert_timed_out(raw, "body")
        assert took >= BODY * 0.9
        writer.close()


@SQLITE
async def test_trickled_body_does_not_move_the_deadline(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(post_head(100_000) + b'{"query": "')
        assert_timed_out(await trickled(reader, writer, BODY), "body")
        writer.close()


@SQLITE
async def test_prompt_requests_and_kept_alive_connections_work(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(post_head(len(QUERY)))
        await asyncio.sleep(HEAD / 2)  # within the body's deadline
        writer.write(QUERY)
        status_line = await reader.readline()
        assert status_line.startswith(b"HTTP/1.1 200"), status_line
        headers = {}
        while (line := await reader.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        body = json.loads(await reader.readexactly(int(headers["content-length"])))
        assert body == {"data": {"__typename": "Query"}}
        # The same connection, kept alive: a second request that stops half-way is cut off like a first.
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: tail")
        raw, took = await read_until_closed(reader, HEAD)
        assert_timed_out(raw, "headers")
        writer.close()


@SQLITE
async def test_websockets_outlive_the_header_deadline(tmp_path: Path, database_url: str) -> None:
    async with guarded_server(tmp_path, database_url) as (host, port):
        async with connect(f"ws://{host}:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await asyncio.sleep(HEAD * 1.5)  # past the headers' deadline: an upgraded connection is not timed
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}}))
            assert json.loads(await ws.recv())["payload"] == {"data": {"__typename": "Query"}}


async def test_tailor_serve_uses_the_guarded_protocol(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import graph.server.serving
    from graph.server import cli

    seen: list[uvicorn.Config] = []

    class Recorder:
        started = True

        def __init__(self, config: uvicorn.Config, **_: Any) -> None:
            seen.append(config)

        def run(self) -> None:
            pass

    monkeypatch.setattr(graph.server.serving, "AnnouncingServer", Recorder)
    monkeypatch.setenv("TAILOR_REQUEST_HEADER_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("TAILOR_DATA_DIR", str(tmp_path))
    cli.main(["serve", "--port", "0"])
    (config,) = seen
    assert config.http.func is graph.server.serving.GuardedHTTPProtocol  # type: ignore[union-attr]
    assert config.http.keywords == {"head_timeout": 7.0}  # type: ignore[union-attr]
