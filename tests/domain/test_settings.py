"""Settings: defaults, environment parsing, and the refusals that keep production safe. The web settings'
own checks are in tests/graph/test_web_settings.py."""

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
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tailor.db'}"
    assert settings.effective_llm_provider is LLMProviderName.LOCAL


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILOR_DATABASE_URL", "postgresql+asyncpg://u@db/tailor")
    assert Settings().resolved_database_url == "postgresql+asyncpg://u@db/tailor"


def test_web_settings_are_not_the_domains(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the server listens, CORS, limits and logs live in graph/server/settings.py: the domain's class
    neither has them nor fails on them (one environment feeds both)."""
    monkeypatch.setenv("TAILOR_PORT", "9001")
    settings = Settings(graphiql=False)
    assert not any(hasattr(settings, name) for name in ("host", "port", "cors_origins", "graphiql", "log_level"))


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
    for bad in [{"llm_provider": "openai"}, {"score_weights": {"skills": 1.0}}, {"token_lifetime_minutes": 0}]:
        with pytest.raises(ValidationError):
            Settings(**bad)
