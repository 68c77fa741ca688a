"""The configuration page lists every setting, so an operator never meets an undocumented one."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldwall.config import Settings, load_settings
from shieldwall.errors import ConfigurationError

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [name for name in Settings.model_fields if f"`SHIELDWALL_{name.upper()}`" not in text]
    assert missing == []


def test_every_setting_has_help_text() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_production_refuses_development_secrets_and_sqlite() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings(mode="production", database_url="postgresql+psycopg://x@h/db")
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        load_settings(mode="production", secret_key="s" * 32, webhook_secret="w" * 32)
    ok = load_settings(
        mode="production",
        secret_key="s" * 32,
        webhook_secret="w" * 32,
        database_url="postgresql+psycopg://x@h/db",
    )
    assert ok.mode == "production"
