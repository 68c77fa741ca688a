"""Shared CLI state: settings from the environment and global flags, and the runtime."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shieldwall.config import Settings
    from shieldwall.runtime import Runtime


def settings_from(data_dir: Path | None, database_url: str | None) -> Settings:
    # Imported here: pydantic-settings is not needed to print `--help`.
    from shieldwall.config import load_settings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    return load_settings(**overrides)


class CliState:
    """Global options, resolved lazily so `shieldwall hash` never touches a database."""

    def __init__(self) -> None:
        self.data_dir: Path | None = None
        self.database_url: str | None = None

    @property
    def settings(self) -> Settings:
        return settings_from(self.data_dir, self.database_url)

    @contextmanager
    def runtime(self) -> Iterator[Runtime]:
        # Imported here: `shieldwall hash` and `--help` never load SQLAlchemy.
        from shieldwall.runtime import Runtime

        rt = Runtime.open(self.settings)
        try:
            yield rt
        finally:
            rt.close()


state = CliState()
