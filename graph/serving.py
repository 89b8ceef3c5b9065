"""uvicorn's server, plus one line once it listens saying where to go: a first run should not leave a
newcomer guessing the URL (the bound address, so `--port 0` shows the port it got)."""

from __future__ import annotations

import logging
import socket

import uvicorn

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
