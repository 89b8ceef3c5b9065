"""Logging as a person and a machine read it: text and JSON lines, `auto` by terminal, the older
`log_json` switch, and no library chatter at INFO (a PDF download used to log 24 fontTools lines)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.logs import NOISY, configure_logging, request_id
from graph.server.app import create_app
from graph.server.serving import serving_message
from graph.server.settings import LogFormat, WebSettings
from tests.support.client import GraphQL
from tests.support.people import person_with_resume
from tests.support.servers import http_client, running
from tests.support.settings import make_settings

FONTS = Path(__file__).resolve().parents[1] / "fixtures" / "fonts"  # DejaVu Sans: fontTools subsets it


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def restored() -> Iterator[None]:
    """configure_logging changes process-wide state: put the root handlers and library levels back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in NOISY}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, previous in levels.items():
        logging.getLogger(name).setLevel(previous)


def emit(monkeypatch: pytest.MonkeyPatch, log_format: str, *, tty: bool = False) -> str:
    stream = Terminal(tty)
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("INFO", log_format)
    token = request_id.set("req-42")
    try:
        logging.getLogger("tailor.test").info("GET %s %s", "/healthz", 200, extra={"duration_ms": 1.5})
    finally:
        request_id.reset(token)
    return stream.getvalue()


def test_text_is_one_readable_line(monkeypatch: pytest.MonkeyPatch, restored: None) -> None:
    line = emit(monkeypatch, "text")
    assert line.count("\n") == 1 and not line.startswith("{")
    assert " INFO    tailor.test: GET /healthz 200  request_id=req-42 duration_ms=1.5" in line


def test_json_is_one_object_a_line(monkeypatch: pytest.MonkeyPatch, restored: None) -> None:
    entry = json.loads(emit(monkeypatch, "json"))
    assert entry["level"] == "INFO" and entry["logger"] == "tailor.test" and entry["msg"] == "GET /healthz 200"
    assert entry["request_id"] == "req-42" and entry["duration_ms"] == 1.5 and entry["ts"]


def test_auto_is_text_on_a_terminal_and_json_elsewhere(monkeypatch: pytest.MonkeyPatch, restored: None) -> None:
    assert not emit(monkeypatch, "auto", tty=True).startswith("{")
    assert json.loads(emit(monkeypatch, "auto", tty=False))["msg"] == "GET /healthz 200"


def test_the_format_setting_and_the_older_switch(tmp_path: Path) -> None:
    assert WebSettings(data_dir=tmp_path).effective_log_format is LogFormat.AUTO
    assert WebSettings(data_dir=tmp_path, log_json=True).effective_log_format is LogFormat.JSON
    assert WebSettings(data_dir=tmp_path, log_json=False).effective_log_format is LogFormat.TEXT
    assert WebSettings(data_dir=tmp_path, log_json=True, log_format="text").effective_log_format is LogFormat.TEXT


def test_the_serving_line_names_a_reachable_address() -> None:
    assert serving_message("127.0.0.1", 8000) == (
        "Tailor is serving at http://127.0.0.1:8000/graphql (GraphiQL in a browser), "
        "health at http://127.0.0.1:8000/healthz"
    )
    assert serving_message("0.0.0.0", 80, graphiql=False).startswith(
        "Tailor is serving at http://127.0.0.1:80/graphql,"
    )
    assert "http://[::1]:9000/healthz" in serving_message("::", 9000)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_pdf_download_logs_no_library_chatter(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture, restored: None
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger().addHandler(caplog.handler)  # configure_logging replaced pytest's handlers
    settings = make_settings(tmp_path, database_url, pdf_font_dir=FONTS)
    async with running(create_app(settings)) as app, http_client(app) as client:
        _, resume = await person_with_resume(GraphQL(client), "ada@example.com")
        caplog.clear()
        response = await client.get(resume["signedDownloads"]["pdf"])
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "x-tailor-warning" not in response.headers  # DejaVu was embedded, so fontTools did subset it
    names = {record.name for record in caplog.records}
    assert "tailor.access" in names  # the download itself is logged...
    assert not [name for name in names if name.startswith(("fontTools", "httpx"))], names  # ...and nothing else
