"""The settings the app runs with in tests: shared by every test that builds an app or a server process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.server.settings import WebSettings

TEST_SECRET = "test-secret-" + "x" * 40


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> WebSettings:
    """Test settings: a temp data dir, cheap argon2 (never in production), a fixed secret. A `WebSettings`,
    so web fields among the overrides take (a plain `Settings` would ignore them) and apps can be built."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 64,
        "argon2_parallelism": 1,
        "log_json": False,
        "embedding_preload": False,  # loaded by the first test that embeds (once per process), not by every app
    }
    values.update(overrides)
    return WebSettings(**values)
