"""Shared CLI state: settings from the environment and global flags, and the runtime."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shieldwall.config import Settings
    from shieldwall.hashing import DecodeLimits
    from shieldwall.runtime import Runtime

DECODE_FIELDS = ("max_image_pixels", "max_upload_bytes", "exact_decode")
"""The settings ``shieldwall hash`` reads; see :meth:`CliState.decode_options`."""


def settings_overridden(fields: tuple[str, ...]) -> bool:
    """Whether anything could move these settings off their defaults: a ``SHIELDWALL_*``
    variable for one of them (pydantic-settings matches names case-insensitively) or a
    ``.env`` file in the working directory (which may set any of them)."""
    if Path(".env").exists():
        return True
    wanted = {f"SHIELDWALL_{name}".upper() for name in fields}
    return any(key.upper() in wanted for key in os.environ)


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

    def reset(self) -> None:
        """Forget the global options once their command has ended.

        Why: ``state`` lives for the process. A program (or test) that runs one command
        through the root app and then a sub-app directly would otherwise send the second
        command to the first one's database, whatever its own environment says.
        """
        self.data_dir = None
        self.database_url = None

    @property
    def settings(self) -> Settings:
        return settings_from(self.data_dir, self.database_url)

    def decode_options(self) -> tuple[DecodeLimits, bool]:
        """(decode limits, exact decode) for commands that only hash.

        Why not ``settings``: building :class:`~shieldwall.config.Settings` imports
        pydantic-settings, which alone cost ~0.2 s of CPU, 40% of a ``shieldwall hash``
        run. When no variable or ``.env`` file could change these three values, their
        defaults are used directly (a test keeps ``DecodeLimits()`` equal to the
        settings' defaults); otherwise the settings are loaded as everywhere else.
        """
        from shieldwall.hashing import DecodeLimits

        if not settings_overridden(DECODE_FIELDS):
            return DecodeLimits(), False
        settings = self.settings
        limits = DecodeLimits(
            max_pixels=settings.max_image_pixels, max_bytes=settings.max_upload_bytes
        )
        return limits, settings.exact_decode

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
