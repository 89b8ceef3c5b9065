"""uvicorn's server, plus one line once it listens saying where to go: a first run should not leave a
newcomer guessing the URL (the bound address, so `--port 0` shows the port it got); and its HTTP protocol
with a deadline for a request's headers, which uvicorn does not have."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from graph.errors import error_response

log = logging.getLogger("tailor.serve")
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # listening everywhere: loopback works


def serving_message(host: str, port: int, *, graphiql: bool = True) -> str:
    shown = WILDCARDS.get(host, host)
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    browser = " (GraphiQL in a browser)" if graphiql else ""
    return f"Tailor is serving at {base}/graphql{browser}, health at {base}/healthz"


class AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, graphiql: bool = True) -> None:
        super().__init__(config)
        self._graphiql = graphiql

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)  # the app's lifespan (migrations) first, then the listening socket
        if self.started and self.servers and self.servers[0].sockets:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            log.info(serving_message(host, port, graphiql=self._graphiql))


class HeadDeadline:
    """A deadline for a request's headers, mixed into uvicorn's HTTP protocols: uvicorn waits for them
    forever (its keep-alive timer stops at the first byte of the next request), so a client sending part
    of its headers, or nothing at all, would hold the connection open for good.

    The deadline starts when the connection opens, or at the first byte after a response, and does not
    move as more bytes trickle in; once the headers are in, the body's deadline is the app's
    (graph/http/middleware.py). Past it, a client that sent part of a request gets 408 with a coded body; one that
    sent nothing is just closed. A websocket, once upgraded, is no longer this protocol's business."""

    transport: asyncio.Transport
    cycle: Any
    server_state: Any
    loop: asyncio.AbstractEventLoop

    def __init__(self, *args: Any, head_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout = head_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started = False  # bytes of a request came before its headers were complete

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self.transport.is_closing() or self.transport.get_protocol() is not self:  # closed, or a websocket
            self._disarm()
        elif self._awaiting_head():
            self._head_started = True
            self._arm()
        else:
            self._disarm()

    def _awaiting_head(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._head_started = False

    def _head_expired(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self or not self._awaiting_head():
            return
        if self._head_started:
            self.transport.write(request_timeout(self.server_state.default_headers, self.head_timeout, "headers"))
        self.transport.close()


def request_timeout(default_headers: list[tuple[bytes, bytes]], seconds: float, part: str) -> bytes:
    """A whole 408 response, written straight to the connection (no app is running for it)."""
    body = error_response(408, f"The request's {part} did not arrive within {seconds:g} seconds").body
    lines = [b"HTTP/1.1 408 Request Timeout"]
    lines += [name + b": " + value for name, value in default_headers]
    lines += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _protocol_class() -> type[asyncio.Protocol]:
    """uvicorn's own choice ("auto"): httptools when installed, else h11; with the headers' deadline."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]
    return type("GuardedHTTPProtocol", (HeadDeadline, Base), {"__module__": __name__})


GuardedHTTPProtocol = _protocol_class()


def http_protocol(head_timeout: float) -> Callable[..., asyncio.Protocol]:
    """What `uvicorn.Config(http=...)` takes: the protocol class with the headers' deadline bound (a
    partial of a module-level class, so it pickles into uvicorn's worker processes)."""
    return functools.partial(GuardedHTTPProtocol, head_timeout=head_timeout)
