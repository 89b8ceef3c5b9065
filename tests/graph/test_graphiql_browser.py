"""GraphiQL in headless Chromium against a live Tailor (SQLite): the page and every asset come from this
server, and any request to another host fails the test; `login` run inside GraphiQL signs the page in
(HTTP header and websocket `connection_init`), a header typed in GraphiQL wins, the docs list the schema,
and an `improveResume` subscription streams its progress into the result pane.

Needs Chromium at /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it; never
`playwright install`) and GraphiQL's npm packages (`make install`, Node >= 20.19): without either the
tests fail, they do not skip. One server and one browser serve the module, a fresh browser context each test."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Request, Route, WebSocket, async_playwright, expect
from playwright.async_api import Page as PlaywrightPage

from domain.ai.embeddings import load_model
from graph import ide
from graph.ide import missing_assets
from graph.server.app import create_app
from tests.support.client import GraphQL
from tests.support.improvements import STAGES
from tests.support.operations import CREATE_JOB, UPLOAD
from tests.support.people import register
from tests.support.servers import http_client, live_server, running
from tests.support.settings import make_settings
from tests.support.texts import JOB_TEXT, WEAK_RESUME

CHROMIUM = os.environ.get("TAILOR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD = "correct horse"
TOKEN_KEY = "tailor:graphiql:token"
WAIT_MS = 30_000
# The result pane is CodeMirror 5, which renders only the visible lines: read its whole value instead.
RESULT = "() => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
QUERY = f"() => document.querySelector({QUERY_EDITOR!r})?.CodeMirror.getValue()"
WATCH_RESULTS = """() => {
  const editor = document.querySelector('.result-window .CodeMirror').CodeMirror;
  window.tailorResults = [];
  editor.on('change', () => window.tailorResults.push(editor.getValue()));
}"""

pytestmark = pytest.mark.asyncio(loop_scope="module")
expect.set_options(timeout=WAIT_MS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    missing = missing_assets()
    if missing:
        pytest.fail(
            "GraphiQL's npm packages are not installed (missing "
            + ", ".join(str(path) for path in missing[:3])
            + "): install Node >= 20.19 and run `make install`"
        )
    settings = make_settings(tmp_path_factory.mktemp("graphiql"))
    await asyncio.to_thread(load_model, settings.embedding_model)  # once per process: not inside a test's waits
    async with live_server(create_app(settings)) as address:
        yield f"http://{address}"


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is not at {CHROMIUM}: `apt-get install -y chromium` (or set TAILOR_TEST_CHROMIUM)")
    return CHROMIUM


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Page:
    """One GraphiQL tab in a fresh browser context, recording what leaves the page."""

    page: PlaywrightPage
    base: str
    outside: list[str] = field(default_factory=list)  # requests to anything but loopback (aborted)
    problems: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    posts: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)  # (body, authorization)
    frames_sent: list[dict[str, Any]] = field(default_factory=list)
    frames_received: list[dict[str, Any]] = field(default_factory=list)

    async def open(self, query: str | None = None) -> None:
        """Loads the page; `query` through the link fragment the page supports (`#query=…`)."""
        await self.page.goto("about:blank")  # else a new fragment would be a same-document navigation
        await self.page.goto(f"{self.base}/graphql" + (f"#{urlencode({'query': query})}" if query else ""))
        await expect(self.page.locator(".graphiql-container")).to_be_visible()
        if query is not None:
            await self.page.wait_for_function(f"q => ({QUERY})() === q", arg=query)

    async def edit(self, query: str, headers: str | None = None) -> None:
        """Replaces the query (and the headers) in GraphiQL's editors, as typing would."""
        await self.page.evaluate(f"q => document.querySelector({QUERY_EDITOR!r}).CodeMirror.setValue(q)", query)
        if headers is not None:
            await self.page.get_by_role("button", name="Headers", exact=True).click()
            visible = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
            await self.page.evaluate(f"h => document.querySelector({visible!r}).CodeMirror.setValue(h)", headers)

    async def run(self, until: str) -> str:
        """Runs the operation in the editor and waits for a new result holding `until`; returns the result."""
        before = await self.page.evaluate(RESULT)
        await self.page.get_by_label("Execute query (Ctrl-Enter)").click()
        await self.page.wait_for_function(
            f"([u, b]) => {{ const r = ({RESULT})(); return r !== b && r.includes(u); }}", arg=[until, before]
        )
        text: str = await self.page.evaluate(RESULT)
        return text

    async def run_json(self, query: str, until: str, headers: str | None = None) -> dict[str, Any]:
        await self.edit(query, headers)
        answer: dict[str, Any] = json.loads(await self.run(until))
        return answer

    async def token(self) -> str | None:
        token: str | None = await self.page.evaluate(f"localStorage.getItem('{TOKEN_KEY}')")
        return token

    async def sign_in(self, email: str) -> str:
        """Opens a link to `login` and runs it inside GraphiQL: the page keeps the token it answers."""
        login = f'mutation {{ login(email: "{email}", password: "{PASSWORD}") {{ token user {{ email }} }} }}'
        await self.open(login)
        await expect(self.status).to_have_attribute("data-state", "signed-out")
        answer = json.loads(await self.run('"token"'))
        await expect(self.status).to_have_text(f"Signed in as {email}")
        token = await self.token()
        assert token and token == answer["data"]["login"]["token"]
        return token

    def authorization(self, query: str) -> str | None:
        """The Authorization header the last POST of `query` carried."""
        return next(authorization for body, authorization in reversed(self.posts) if body["query"] == query)

    @property
    def status(self) -> Any:
        return self.page.locator("#tailor-auth")

    def watch(self) -> None:
        self.page.on("request", self._request)
        self.page.on("websocket", self._websocket)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on(
            "console", lambda message: message.type == "error" and self.problems.append(f"console: {message.text}")
        )

    async def guard(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            self.outside.append(route.request.url)
            await route.abort("blockedbyclient")

    def _request(self, request: Request) -> None:
        if request.method == "POST" and urlsplit(request.url).path == "/graphql":
            self.posts.append((request.post_data_json, request.headers.get("authorization")))

    def _websocket(self, socket: WebSocket) -> None:
        if urlsplit(socket.url).hostname not in LOOPBACK:
            self.outside.append(socket.url)
        socket.on("framesent", lambda frame: self.frames_sent.append(json.loads(frame)))
        socket.on("framereceived", lambda frame: self.frames_received.append(json.loads(frame)))


@pytest_asyncio.fixture(loop_scope="module")
async def tab(server: str, browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    context.set_default_timeout(WAIT_MS)
    page = Page(await context.new_page(), server)
    await context.route("**/*", page.guard)
    page.watch()
    try:
        yield page
    finally:
        await context.close()
    assert page.outside == [], f"the page reached beyond this machine: {page.outside}"
    assert page.problems == []


async def account(server: str, email: str, *, with_documents: bool = False) -> dict[str, str]:
    """Registers over plain HTTP; with documents, also uploads a resume and saves a job."""
    async with httpx.AsyncClient(base_url=server, timeout=60) as client:
        token = (await register(GraphQL(client), email, PASSWORD))["token"]
        if not with_documents:
            return {"token": token}
        gql = GraphQL(client, token)
        uploaded = (await gql.upload(UPLOAD, {}, WEAK_RESUME.encode(), "resume.txt")).json()
        created = await gql(CREATE_JOB, {"text": JOB_TEXT})
        assert "errors" not in uploaded and "errors" not in created, (uploaded, created)
        return {
            "token": token,
            "resume": uploaded["data"]["uploadResume"]["resume"]["id"],
            "job": created["data"]["createJob"]["id"],
        }


async def test_the_page_loads_only_from_this_server(tab: Page) -> None:
    await tab.open()
    await expect(tab.status).to_have_attribute("data-state", "signed-out")
    assert "login" in (await tab.status.text_content() or "")
    assets = await tab.page.eval_on_selector_all("script[src], link[href]", "es => es.map(e => e.src || e.href)")
    assert len(assets) == 8 and all(a.startswith((f"{tab.base}/graphiql/", "data:")) for a in assets), assets


async def test_login_inside_graphiql_signs_the_page_in(tab: Page, server: str) -> None:
    email = "grace@example.com"
    await account(server, email)
    token = await tab.sign_in(email)

    me = await tab.run_json("{ me { email } }", email)
    assert me == {"data": {"me": {"email": email}}}
    assert tab.authorization("{ me { email } }") == f"Bearer {token}"

    # A header typed in GraphiQL's Headers editor wins over the remembered token, which stays.
    typed = await tab.run_json("{ me { id email } }", "UNAUTHENTICATED", headers='{"Authorization": "Bearer nope"}')
    assert typed["data"] == {"me": None} and typed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert tab.authorization("{ me { id email } }") == "Bearer nope"
    await tab.page.reload()  # typed headers are not kept; the token is
    await expect(tab.status).to_have_text(f"Signed in as {email}")
    assert await tab.token() == token

    await tab.page.get_by_role("button", name="Sign out").click()
    await expect(tab.status).to_have_attribute("data-state", "signed-out")
    assert await tab.token() is None
    anonymous = await tab.run_json("{ me { email createdAt } }", '"me": null')
    assert anonymous == {"data": {"me": None}} and tab.authorization("{ me { email createdAt } }") is None


async def test_the_docs_list_the_schema(tab: Page) -> None:
    await tab.open()
    await tab.page.get_by_label("Show Documentation Explorer").click()
    explorer = tab.page.locator(".graphiql-doc-explorer")
    await explorer.get_by_role("link", name="Query", exact=True).click()
    for name in ("me", "jobs", "improvement"):
        await expect(explorer.locator(".graphiql-doc-explorer-field-name", has_text=name).first).to_be_visible()


async def test_a_subscription_streams_progress_into_the_result_pane(tab: Page, server: str) -> None:
    email = "sam@example.com"
    ids = await account(server, email, with_documents=True)
    token = await tab.sign_in(email)

    await tab.edit(
        f'subscription {{ improveResume(resumeId: "{ids["resume"]}", jobId: "{ids["job"]}") '
        "{ stage status progress } }"
    )
    await tab.page.evaluate(WATCH_RESULTS)
    final = json.loads(await tab.run('"status": "COMPLETED"'))
    assert final == {"data": {"improveResume": {"stage": "DONE", "status": "COMPLETED", "progress": 1.0}}}

    # Over graphql-transport-ws, authenticated with the remembered token; every stage arrived, in order.
    init = next(frame for frame in tab.frames_sent if frame["type"] == "connection_init")
    assert init["payload"] == {"authorization": f"Bearer {token}"}
    events = [f["payload"]["data"]["improveResume"] for f in tab.frames_received if f["type"] == "next"]
    assert [event["stage"] for event in events] == STAGES
    # The pane showed the run's progress as it went, not only its end.
    texts = [text for text in await tab.page.evaluate("window.tailorResults") if text]
    shown = [json.loads(text)["data"]["improveResume"] for text in texts]
    progress = [event["progress"] for event in shown]
    assert len(shown) >= 2 and shown[0]["status"] == "RUNNING" and progress == sorted(progress), shown


async def test_without_the_packages_the_page_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ide, "NODE_MODULES", tmp_path / "node_modules")  # as before `make install` had Node
    async with running(create_app(make_settings(tmp_path))) as app, http_client(app) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "GraphiQL is not installed" in page.text
        assert "Node.js 20.19 or newer" in page.text and "make install" in page.text
        assert "<script" not in page.text
        assert (await client.get("/graphiql/react/react.production.min.js")).status_code == 404
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}
