"""The web settings (graph/server/settings.py): defaults, environment parsing and refusals of the fields the
HTTP edge reads, on top of the domain's settings they extend."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.settings import LLMProviderName, Settings
from graph.server.settings import WebSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("TAILOR_") or key == "GROQ_API_KEY":
            monkeypatch.delenv(key)


def test_defaults_are_the_embedded_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = WebSettings()
    assert isinstance(settings, Settings)  # what the domain services take
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tailor.db'}"
    assert settings.effective_llm_provider is LLMProviderName.LOCAL
    assert settings.graphiql and settings.introspection and not settings.legacy_graphql_ws
    assert settings.single_process


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILOR_PORT", "9001")
    monkeypatch.setenv("TAILOR_CORS_ORIGINS", "https://a.example.com, https://b.example.com")
    monkeypatch.setenv("TAILOR_DATABASE_URL", "postgresql+asyncpg://u@db/tailor")
    settings = WebSettings()
    assert settings.port == 9001
    assert settings.cors_origins == ["https://a.example.com", "https://b.example.com"]
    assert settings.resolved_database_url == "postgresql+asyncpg://u@db/tailor"
    assert not settings.single_process
    monkeypatch.setenv("TAILOR_CORS_ORIGINS", '["https://c.example.com"]')
    assert WebSettings().cors_origins == ["https://c.example.com"]


def test_bad_values_are_refused() -> None:
    for bad in [
        {"port": 70000},
        {"max_query_depth": 1},
        {"operation_timeout_seconds": 0},
        {"llm_provider": "openai"},
        {"cors_origins": "app.example.com"},
    ]:
        with pytest.raises(ValidationError):
            WebSettings(**bad)


def test_the_domains_checks_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILOR_ENV", "production")
    with pytest.raises(ValidationError, match="TAILOR_JWT_SECRET must be set"):
        WebSettings()
