"""Real JavaScript clients drive a running Tailor: Apollo Client (HttpLink, PersistedQueryLink,
BatchHttpLink, GraphQLWsLink), urql, graphql-ws, graphql-http's conformance audit and graphql-js's
introspection query as GraphiQL and graphql-codegen send it.

The clients live in tests/js (exact versions, package-lock.json committed; `npm ci` runs here when
node_modules is missing or older than the lockfile). Node.js >= 20.19 is required: without it these
tests fail, they do not skip. One uvicorn serves the module and ONE node process (tests/js/run.mjs) runs
every check and prints one JSON object, a key per check; each test below asserts on its key."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from graph.server.app import create_app
from tests.support.improvements import STAGES
from tests.support.operations import CREATE_JOB, REGISTER, UPLOAD
from tests.support.servers import live_server
from tests.support.settings import make_settings
from tests.support.texts import JOB_TEXT, WEAK_RESUME

JS_DIR = Path(__file__).resolve().parents[1] / "js"
STAMP = JS_DIR / "node_modules" / ".tailor-npm-ci"
MIN_NODE = (20, 19)
NODE_TIMEOUT_S = 600
EMAIL = "js-clients@example.com"
PASSWORD = "correct horse battery"


# --- Node and the client packages, once per session -------------------------------------------------


def _node_version(node: str) -> tuple[int, ...]:
    output = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    numbers = re.findall(r"\d+", output)
    if not numbers:
        pytest.fail(f"`{node} --version` answered {output!r}, not a version")
    return tuple(int(n) for n in numbers[:3])


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, at least 20.19, with tests/js/node_modules installed from the lockfile."""
    found = shutil.which("node")
    if found is None:
        pytest.fail(
            "Node.js is not on PATH. tests/graph/test_js_clients.py drives Tailor with real JavaScript clients "
            f"and needs Node.js >= {MIN_NODE[0]}.{MIN_NODE[1]} with npm (https://nodejs.org)."
        )
    version = _node_version(found)
    if version[:2] < MIN_NODE:
        pytest.fail(
            f"Node.js {'.'.join(map(str, version))} at {found} is too old: tests/graph/test_js_clients.py needs "
            f">= {MIN_NODE[0]}.{MIN_NODE[1]} (the engines of tests/js/package.json)."
        )
    newest_input = max((JS_DIR / name).stat().st_mtime for name in ("package.json", "package-lock.json"))
    if not STAMP.exists() or STAMP.stat().st_mtime < newest_input:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"npm is not on PATH (next to node at {found}); it installs the clients in tests/js")
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True, timeout=600
        )
        if installed.returncode != 0:
            pytest.fail(
                f"`npm ci` in {JS_DIR} failed ({installed.returncode}):\n{installed.stdout}\n{installed.stderr}"
            )
        STAMP.touch()
    return found


# --- One server for the module, in a thread of its own --------------------------------------------


class ServerThread:
    """`live_server` (uvicorn on a free loopback port) in its own thread and event loop, so that plain
    synchronous code — the httpx setup and the node process — talks to it while it serves."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.address = ""
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="tailor-js-clients-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            self.error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with live_server(self.app) as address:
            self.address = address
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(120) or not self.address:
            raise RuntimeError("the server did not start") from self.error
        return self.address

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)
        if self.error is not None and kind is None:
            raise RuntimeError("the server failed") from self.error


@dataclass
class Report:
    """What tests/js/run.mjs printed, and what the Python side set up for it."""

    results: dict[str, Any]
    stderr: str
    seconds: float
    user: dict[str, Any]
    token: str
    resume_id: str
    job_id: str

    def check(self, name: str) -> dict[str, Any]:
        """The check's observations, failing with its whole output when it threw."""
        entry: dict[str, Any] | None = self.results.get(name)
        if entry is None:
            pytest.fail(f"node reported nothing for {name!r}; keys: {sorted(self.results)}\n{self.stderr}")
        if not entry.get("ok"):
            pytest.fail(
                f"the {name} client threw:\n{show(entry)}\n"
                f"node ran {self.seconds:.1f} s; its stderr:\n{self.stderr[-3000:]}"
            )
        return entry


def show(value: Any, limit: int = 8000) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "\n…"


def _graphql(http: httpx.Client, query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, (response.status_code, body)
    return body["data"]


def _prepare(http: httpx.Client) -> tuple[dict[str, Any], str, str, str]:
    """A user with a resume and a job, as test_improvements makes them."""
    registered = _graphql(http, REGISTER, {"email": EMAIL, "password": PASSWORD})["register"]
    token = registered["token"]
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    uploaded = http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("resume.txt", WEAK_RESUME.encode(), "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}", "Apollo-Require-Preflight": "true"},
    ).json()
    assert "errors" not in uploaded, uploaded
    job = _graphql(http, CREATE_JOB, {"text": JOB_TEXT}, token)["createJob"]
    return registered["user"], token, uploaded["data"]["uploadResume"]["resume"]["id"], job["id"]


@pytest.fixture(scope="module")
def report(node: str, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    tmp = tmp_path_factory.mktemp("js-clients")
    database = tmp / "data" / "tailor.db"
    database.parent.mkdir(parents=True)
    shutil.copyfile(sqlite_template, database)
    app = create_app(make_settings(tmp, f"sqlite+aiosqlite:///{database}"))
    with ServerThread(app) as address:
        with httpx.Client(base_url=f"http://{address}", timeout=60) as http:
            user, token, resume_id, job_id = _prepare(http)
        env = {
            **os.environ,
            "TAILOR_TOKEN": token,
            "TAILOR_EMAIL": EMAIL,
            "TAILOR_PASSWORD": PASSWORD,
            "TAILOR_RESUME_ID": resume_id,
            "TAILOR_JOB_ID": job_id,
            "NODE_NO_WARNINGS": "1",
        }
        started = time.monotonic()
        try:
            ran = subprocess.run(
                [node, "run.mjs", f"http://{address}/graphql"],
                cwd=JS_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=NODE_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"node run.mjs ran past {NODE_TIMEOUT_S} s\nstdout:\n{exc.stdout}\nstderr:\n{exc.stderr}")
        seconds = time.monotonic() - started
    last_line = ran.stdout.strip().rsplit("\n", 1)[-1] if ran.stdout.strip() else ""
    try:
        results = json.loads(last_line)
    except json.JSONDecodeError:
        results = None
    if ran.returncode != 0 or not isinstance(results, dict):
        pytest.fail(
            f"node run.mjs failed (exit {ran.returncode})\nstdout:\n{ran.stdout[-6000:]}\nstderr:\n{ran.stderr}"
        )
    if os.environ.get("TAILOR_JS_REPORT"):  # where to keep node's whole answer, for a look by hand
        Path(os.environ["TAILOR_JS_REPORT"]).write_text(json.dumps(results, indent=2))
    yield Report(results, ran.stderr, seconds, user, token, resume_id, job_id)


# --- Helpers for what the clients sent ----------------------------------------------------------------


def sent(request: dict[str, Any]) -> Any:
    """The GraphQL request a recorded HTTP request carried: the JSON body of a POST (an object, or a list
    for a batch), or the decoded query string of a GET."""
    if request["method"] == "GET":
        params: dict[str, Any] = dict(parse_qsl(urlsplit(request["url"]).query))
        for key in ("variables", "extensions"):
            if key in params:
                params[key] = json.loads(params[key])
        return params
    return json.loads(request["body"])


def answered(request: dict[str, Any]) -> Any:
    try:
        return json.loads(request["response"])
    except (TypeError, json.JSONDecodeError):
        return request["response"]


def codes(body: Any) -> list[str | None]:
    errors = (body.get("errors") or []) if isinstance(body, dict) else []
    return [(error.get("extensions") or {}).get("code") for error in errors]


def check_full_run(events: list[dict[str, Any]], entry: dict[str, Any], who: str) -> None:
    stages = [event["stage"] for event in events]
    assert stages == STAGES, f"{who}: stages {stages}\n{show(entry)}"
    assert [event["status"] for event in events] == ["RUNNING"] * (len(events) - 1) + ["COMPLETED"], show(entry)
    assert events[-1]["progress"] == 1.0 and not events[-1]["cached"], show(entry)
    assert len({event["runId"] for event in events}) == 1, show(entry)


# --- The checks ---------------------------------------------------------------------------------------


def test_apollo_http_link_logs_in_and_reads_me(report: Report) -> None:
    entry = report.check("apollo_http")
    assert entry["loginUser"]["id"] == report.user["id"] and entry["loginUser"]["email"] == EMAIL, show(entry)
    assert entry["tokenIssued"], show(entry)
    assert entry["anonymousMe"] is None, show(entry)
    assert entry["me"]["id"] == report.user["id"] and entry["me"]["email"] == EMAIL, show(entry)
    assert [r["status"] for r in entry["requests"]] == [200, 200, 200], show(entry)


@pytest.mark.parametrize("mode", ["get", "post"])
def test_apollo_persisted_queries(report: Report, mode: str) -> None:
    """APQ: the first call sends the hash alone, hears PERSISTED_QUERY_NOT_FOUND and retries with the
    query (a POST, as Apollo always retries); the second call is served by the hash alone."""
    entry = report.check("apollo_persisted")[mode]
    method = "GET" if mode == "get" else "POST"
    first, second = entry["calls"]
    assert "error" not in first and "error" not in second, f"Apollo answered an error\n{show(entry)}"
    assert len(first["requests"]) == 2, f"first call: expected hash-only then full query\n{show(entry)}"
    hashed, full = first["requests"]
    hashed_sent, full_sent = sent(hashed), sent(full)
    assert hashed["method"] == method and "query" not in hashed_sent, show(entry)
    digest = hashed_sent["extensions"]["persistedQuery"]["sha256Hash"]
    assert hashed_sent["extensions"]["persistedQuery"]["version"] == 1, show(entry)
    assert "PERSISTED_QUERY_NOT_FOUND" in codes(answered(hashed)), (
        f"the hash-only request must answer PERSISTED_QUERY_NOT_FOUND; it answered {hashed['status']} "
        f"{hashed['contentType']}: {hashed['response']}\n{show(entry)}"
    )
    assert full["method"] == "POST" and full["status"] == 200, show(entry)
    assert full_sent["extensions"]["persistedQuery"]["sha256Hash"] == digest, show(entry)
    assert hashlib.sha256(full_sent["query"].encode()).hexdigest() == digest, show(entry)
    assert "errors" not in answered(full), show(entry)

    assert len(second["requests"]) == 1, f"second call: expected the hash alone, once\n{show(entry)}"
    (again,) = second["requests"]
    again_sent = sent(again)
    assert again["method"] == method and again["status"] == 200, show(entry)
    assert "query" not in again_sent and again_sent["extensions"]["persistedQuery"]["sha256Hash"] == digest, show(entry)
    assert "errors" not in answered(again), show(entry)
    assert first["data"] == second["data"], show(entry)
    if mode == "get":
        assert first["data"]["me"]["email"] == EMAIL, show(entry)
    else:
        assert first["data"]["jobs"]["totalCount"] == 1, show(entry)


def test_apollo_batch_http_link_sends_one_request(report: Report) -> None:
    entry = report.check("apollo_batch")
    assert len(entry["requests"]) == 1, f"three queries should leave as one request\n{show(entry)}"
    (request,) = entry["requests"]
    body = sent(request)
    assert request["method"] == "POST" and isinstance(body, list), show(entry)
    assert [operation["operationName"] for operation in body] == entry["operations"], show(entry)
    answer = answered(request)
    assert request["status"] == 200 and isinstance(answer, list) and len(answer) == 3, (
        f"the batch answered {request['status']} {request['contentType']}: {request['response']}\n{show(entry)}"
    )
    assert all("error" not in result for result in entry["results"]), show(entry)
    me, jobs, typename = (result["data"] for result in entry["results"])
    assert me["me"]["email"] == EMAIL, show(entry)
    assert jobs["jobs"]["totalCount"] == 1, show(entry)
    assert typename["__typename"] == "Query", show(entry)


def test_apollo_graphql_ws_link_queries_and_subscribes(report: Report) -> None:
    entry = report.check("apollo_ws")
    assert entry["me"]["email"] == EMAIL, show(entry)
    assert entry["errors"] == [], show(entry)
    check_full_run(entry["events"], entry, "Apollo GraphQLWsLink")  # the module's first run: fresh
    improvement = entry["events"][-1]["improvement"]
    assert improvement["resumeId"] == report.resume_id and improvement["jobId"] == report.job_id, show(entry)


def test_urql_over_http_and_graphql_ws(report: Report) -> None:
    entry = report.check("urql")
    assert entry["query"]["error"] is None and entry["query"]["data"]["me"]["email"] == EMAIL, show(entry)
    assert [r["status"] for r in entry["requests"]] == [200], show(entry)
    assert entry["errors"] == [], show(entry)
    events = entry["events"]
    # Apollo's run stored the improvement: urql hears it at once, cached, in one event.
    assert [e["status"] for e in events] == ["COMPLETED"] and events[0]["cached"], show(entry)
    apollo = report.results.get("apollo_ws", {}).get("events") or [{}]
    if apollo[-1].get("improvement"):
        assert events[0]["improvement"]["id"] == apollo[-1]["improvement"]["id"], show(entry)
    assert entry["ended"], f"the server completed the subscription but urql's source did not end\n{show(entry)}"


def test_graphql_ws_client_streams_and_rejects_forged_tokens(report: Report) -> None:
    entry = report.check("graphql_ws")
    assert entry["errors"] == [], show(entry)
    check_full_run(entry["events"], entry, "graphql-ws analyzeAgain")
    apollo = report.results.get("apollo_ws", {}).get("events") or [{}]
    assert entry["events"][0]["runId"] != apollo[0].get("runId"), show(entry)
    assert entry["anonymousMe"] == {"data": {"me": None}}, show(entry)
    forged = entry["forged"]
    assert forged.get("error", {}).get("code") == 4403, f"a forged token must close with 4403\n{show(entry)}"
    assert [close["code"] for close in forged["closes"]] == [4403], show(entry)


def test_graphql_http_audit(report: Report, record_property: Any) -> None:
    """Every MUST of the GraphQL-over-HTTP spec passes, and every SHOULD (they were 8 before
    `application/graphql-response+json`, all about its status codes)."""
    audits = report.check("audit")["audits"]
    musts = [a for a in audits if a["name"].startswith("MUST")]
    assert len(musts) >= 10, show(audits)
    fatal = [a for a in audits if a["status"] == "fatal"]
    failed = [a for a in musts if a["status"] != "ok"]
    warnings = [a for a in audits if a["name"].startswith("SHOULD") and a["status"] != "ok"]
    record_property("graphql_http_audits", len(audits))
    record_property("graphql_http_should_warnings", len(warnings))
    print(f"graphql-http audit: {len(audits)} audits, {len(musts)} MUST, {len(warnings)} SHOULD warnings")
    for warning in warnings:
        print(f"  SHOULD warning {warning['id']}: {warning['name']} — {warning.get('reason')}")
    assert not fatal, f"audits that could not run:\n{show(fatal)}"
    assert not failed, f"{len(failed)} of {len(musts)} MUST audits fail:\n{show(failed, 20000)}"
    assert not warnings, f"SHOULD audits not met:\n{show(warnings, 20000)}"


def test_graphql_http_audit_meets_no_internal_error(report: Report) -> None:
    """Whatever the audit sends (an object or a list as `operationName`…), Tailor answers it as a bad
    request, never a 5xx or an INTERNAL error."""
    audits = report.check("audit")["audits"]
    broken = [
        a
        for a in audits
        if a.get("response") and (a["response"]["status"] >= 500 or '"INTERNAL"' in (a["response"]["body"] or ""))
    ]
    assert not broken, f"audits that met a server error:\n{show(broken)}"


@pytest.mark.parametrize("variant", ["full", "default", "graphiql"])
def test_introspection_builds_a_client_schema(report: Report, variant: str) -> None:
    """graphql-js's getIntrospectionQuery (`full`: every option, oneOf included; `default`: as
    graphql-codegen sends it; `graphiql`: GraphiQL's options) answers a schema buildClientSchema accepts."""
    entry = report.check("introspection")[variant]
    assert entry["status"] == 200 and not entry.get("errors"), (
        f"introspection ({variant}) answered {entry['status']} {entry.get('contentType')}:\n{show(entry)}"
    )
    assert entry.get("built"), f"buildClientSchema failed: {entry.get('buildError')}\n{show(entry)}"
    assert (entry["queryType"], entry["mutationType"], entry["subscriptionType"]) == (
        "Query",
        "Mutation",
        "Subscription",
    ), show(entry)
    for name in ("Job", "Improvement", "ImprovementEvent", "Upload", "User"):
        assert name in entry["types"], f"{name} missing from the introspected types\n{show(entry)}"
    assert entry["sdlLength"] > 5000, show(entry)
