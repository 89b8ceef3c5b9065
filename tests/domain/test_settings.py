"""Settings: defaults, environment parsing, and the refusals that keep production safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.settings import LLMProviderName, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("TAILOR_") or key == "GROQ_API_KEY":
            monkeypatch.delenv(key)


def test_defaults_are_the_embedded_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tailor.db'}"
    assert settings.effective_llm_provider is LLMProviderName.LOCAL
    assert settings.graphiql and settings.introspection and not settings.legacy_graphql_ws


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILOR_PORT", "9001")
    monkeypatch.setenv("TAILOR_CORS_ORIGINS", "https://a.example.com, https://b.example.com")
    monkeypatch.setenv("TAILOR_DATABASE_URL", "postgresql+asyncpg://u@db/tailor")
    settings = Settings()
    assert settings.port == 9001
    assert settings.cors_origins == ["https://a.example.com", "https://b.example.com"]
    assert settings.resolved_database_url == "postgresql+asyncpg://u@db/tailor"
    monkeypatch.setenv("TAILOR_CORS_ORIGINS", '["https://c.example.com"]')
    assert Settings().cors_origins == ["https://c.example.com"]


def test_groq_key_switches_auto_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk_test")
    assert Settings().effective_llm_provider is LLMProviderName.GROQ
    monkeypatch.setenv("TAILOR_LLM_PROVIDER", "local")
    assert Settings().effective_llm_provider is LLMProviderName.LOCAL


def test_production_needs_a_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILOR_ENV", "production")
    with pytest.raises(ValidationError, match="TAILOR_JWT_SECRET must be set"):
        Settings()
    monkeypatch.setenv("TAILOR_JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings()
    monkeypatch.setenv("TAILOR_JWT_SECRET", "s" * 32)
    assert Settings().resolve_jwt_secret() == "s" * 32


def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = settings.resolve_jwt_secret()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path / "data").resolve_jwt_secret() == first
    assert (tmp_path / "data" / "jwt_secret").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path / "other").resolve_jwt_secret() != first


def test_bad_values_are_refused() -> None:
    for bad in [{"port": 70000}, {"max_query_depth": 1}, {"operation_timeout_seconds": 0}, {"llm_provider": "openai"}]:
        with pytest.raises(ValidationError):
            Settings(**bad)
