"""Local files and folders as an exchange: every hash-list file (CSV, JSON Lines,
threatexchange lines) in ``path``, each read once, in name order.

Deletion markers travel in the files themselves: a ``status`` of ``withdrawn`` or
``deleted`` (CSV column, JSON Lines tombstone) takes the hash out of the bank.
The checkpoint records each file's name, size and modification time, so a file
that changes is read again (imports are idempotent) and a new one is picked up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shieldwall.exchange.connectors.base import ExchangeContext, FetchedPage, NoFeedback
from shieldwall.exchange.formats import detect_format
from shieldwall.exchange.readers import read_entries


class LocalFilesExchange(NoFeedback):
    """Hash-list files in a folder (or one file), read as they appear or change."""

    kind: ClassVar[str] = "local"
    description: ClassVar[str] = (
        "hash-list files in a local folder (CSV, JSON Lines, threatexchange)"
    )

    def __init__(self, context: ExchangeContext) -> None:
        self._path = Path(str(context.require("path")))

    def _files(self) -> list[Path]:
        if self._path.is_file():
            return [self._path]
        if not self._path.is_dir():
            return []
        return sorted(p for p in self._path.iterdir() if p.is_file() and not p.name.startswith("."))

    def fetch(self, checkpoint: str | None) -> Iterator[FetchedPage]:
        seen: dict[str, list[int]] = json.loads(checkpoint) if checkpoint else {}
        for path in self._files():
            stat = path.stat()
            mark = [stat.st_size, stat.st_mtime_ns]
            if seen.get(path.name) == mark:
                continue
            with path.open("rb") as stream:
                records = list(read_entries(stream, detect_format(path)))
            seen[path.name] = mark
            yield FetchedPage(records, json.dumps(seen, sort_keys=True))
