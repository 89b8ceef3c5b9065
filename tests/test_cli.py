"""The `tailor` command as a newcomer uses it: export-schema, migrate, serve (a real process)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from graph.schema import export_sdl
from graph.server.cli import settings_markdown
from tests.support.cli import TAILOR, cli_env
from tests.support.servers import free_port
from tests.support.settings import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_sdl(), "schema.graphql is stale: run `make schema` and commit it"


def test_committed_settings_doc_matches_the_code() -> None:
    committed = (ROOT / "docs" / "settings.md").read_text()
    assert committed == settings_markdown(), "docs/settings.md is stale: run `make docs` and commit it"


def test_settings_doc_prints_every_setting(tmp_path: Path) -> None:
    out = subprocess.run([*TAILOR, "settings-doc"], capture_output=True, text=True, env=cli_env(tmp_path), check=True)
    assert out.stdout == settings_markdown()
    from domain.settings import Settings
    from graph.server.settings import WebSettings

    rows = [line for line in out.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == len(WebSettings.model_fields)

    def variables(text: str) -> list[str]:  # each row's first variable
        return [
            line.split(" | ")[0].removeprefix("| `").split("`")[0]
            for line in text.splitlines()
            if line.startswith("| `")
        ]

    server, domain = out.stdout.split("\n## The domain (`domain/settings.py`)\n")
    assert "\n## The server (`graph/server/settings.py`)\n" in server
    web_only = [name for name in WebSettings.model_fields if name not in Settings.model_fields]
    assert sorted(variables(server)) == sorted(f"TAILOR_{name.upper()}" for name in web_only)
    assert sorted(variables(domain)) == sorted(f"TAILOR_{name.upper()}" for name in Settings.model_fields)
    assert all(not line.endswith("|  |") for line in rows), "every setting needs a description"
    assert "| `TAILOR_GROQ_API_KEY` or `GROQ_API_KEY` |" in out.stdout


def test_export_schema_prints_the_sdl(tmp_path: Path) -> None:
    out = subprocess.run([*TAILOR, "export-schema"], capture_output=True, text=True, env=cli_env(tmp_path), check=True)
    assert out.stdout == export_sdl()
    assert "type Query" in out.stdout and "register(email: String!, password: String!): AuthPayload!" in out.stdout


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    out = subprocess.run([*TAILOR, "migrate"], capture_output=True, text=True, env=cli_env(tmp_path), check=True)
    assert "database at revision" in out.stdout
    assert (tmp_path / "data" / "tailor.db").exists()
    again = subprocess.run([*TAILOR, "migrate"], capture_output=True, text=True, env=cli_env(tmp_path), check=True)
    assert again.stdout == out.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    out = subprocess.run(
        [*TAILOR, "serve"], capture_output=True, text=True, env=cli_env(tmp_path, TAILOR_ENV="production")
    )
    assert out.returncode != 0
    assert "TAILOR_JWT_SECRET must be set" in out.stderr
    assert "Traceback" not in out.stderr


async def test_serve_round_trip_over_http_and_websocket(tmp_path: Path) -> None:
    """`tailor serve` as `make run` starts it: register → login → me, then an authenticated socket."""
    port = free_port()
    proc = subprocess.Popen(
        [*TAILOR, "serve"],
        env=cli_env(tmp_path, TAILOR_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                await asyncio.sleep(0.1)
            register = await client.post(
                "/graphql",
                json={
                    "query": 'mutation { register(email: "new@example.com", password: "correct horse") '
                    "{ user { id } } }"
                },
            )
            user_id = register.json()["data"]["register"]["user"]["id"]
            login = await client.post(
                "/graphql",
                json={"query": 'mutation { login(email: "new@example.com", password: "correct horse") { token } }'},
            )
            token = login.json()["data"]["login"]["token"]
            me = await client.post(
                "/graphql", json={"query": "{ me { id email } }"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert me.json() == {"data": {"me": {"id": user_id, "email": "new@example.com"}}}
            assert me.headers["x-request-id"]

        async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "a", "type": "subscribe", "payload": {"query": "{ me { email } }"}}))
            assert json.loads(await ws.recv())["payload"] == {"data": {"me": {"email": "new@example.com"}}}
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    # SIGTERM shuts down gracefully (uvicorn re-raises the signal once the lifespan has finished).
    assert proc.returncode in (0, -15), output
    assert "Application shutdown complete" in output
    # The development secret was generated once and kept, so tokens survive restarts.
    secret_file = tmp_path / "data" / "jwt_secret"
    assert secret_file.exists() and oct(secret_file.stat().st_mode & 0o777) == "0o600"
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]  # a pipe: JSON lines
    messages = [entry.get("msg") for entry in lines]
    serving = f"Tailor is serving at {base}/graphql (GraphiQL in a browser), health at {base}/healthz"
    assert messages.count(serving) == 1, output[-3000:]
    assert messages.index(serving) > messages.index(f"Uvicorn running on {base} (Press CTRL+C to quit)")
    assert any(entry.get("logger") == "tailor.access" and entry.get("request_id") for entry in lines)
    assert any(entry.get("msg") == "tailor stopped" for entry in lines)
    assert TEST_SECRET not in output


def test_serve_says_where_to_go_once_it_listens(tmp_path: Path) -> None:
    """`--port 0` takes a free port: the line names the port it got, and the server answers at once."""
    proc = subprocess.Popen(
        [*TAILOR, "serve", "--port", "0"],
        env=cli_env(tmp_path, TAILOR_LOG_FORMAT="text"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if "Tailor is serving at" in line:
                break
        found = re.search(r"INFO    tailor\.serve: Tailor is serving at (http://127\.0\.0\.1:(\d+))/graphql ", seen[-1])
        assert found and int(found[2]) > 0, "".join(seen)
        assert not any(line.startswith("{") for line in seen)  # TAILOR_LOG_FORMAT=text: readable lines
        assert httpx.get(f"{found[1]}/healthz").status_code == 200  # listening already, no retry
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.communicate(timeout=20)


def test_set_role_makes_an_admin(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    subprocess.run([*TAILOR, "migrate"], capture_output=True, env=env, check=True)
    missing = subprocess.run(
        [*TAILOR, "set-role", "nobody@example.com", "ADMIN"], capture_output=True, text=True, env=env
    )
    assert missing.returncode != 0 and "No account for nobody@example.com" in missing.stderr

    async def make_user() -> None:
        from graph.server.app import build_services
        from graph.server.settings import WebSettings

        services = build_services(
            WebSettings(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_cost_kib=64)
        )
        await services.accounts.register("boss@example.com", "correct horse", "cli-test")
        await services.aclose()

    asyncio.run(make_user())
    out = subprocess.run([*TAILOR, "set-role", "Boss@Example.com", "admin"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "boss@example.com is now ADMIN"


def test_reindex_and_the_multi_worker_guard(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    out = subprocess.run([*TAILOR, "reindex"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "reindexed jobs_public: 0, jobs_private: 0, profile_items: 0"
    refused = subprocess.run([*TAILOR, "serve"], capture_output=True, text=True, env={**env, "TAILOR_WORKERS": "2"})
    assert refused.returncode != 0 and "TAILOR_CHROMA_URL" in refused.stderr
