"""What a reader yields per line: an entry, or the reason that line was refused.

A bad line never stops an import: the reader reports it with its line number
and goes on, and the caller (CLI, API) decides what to do with the errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from shieldwall.errors import InputError
from shieldwall.types import EntryStatus, NewEntry


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """Line ``line_no`` (1-based, counting the header) held this entry.

    ``status`` is ``withdrawn`` or ``deleted`` for a tombstone: the importer takes the
    hash out of matching instead of adding it.
    """

    line_no: int
    entry: NewEntry
    status: EntryStatus = EntryStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """An entry to write with its status; withdrawn and deleted ones become tombstones."""

    entry: NewEntry
    status: EntryStatus = EntryStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class LineError:
    """Line ``line_no`` could not be read; ``error`` says why and carries a stable code.

    ``error`` is an :class:`~shieldwall.errors.InvalidRecordError` (the line's
    shape) or :class:`~shieldwall.errors.InvalidHashError` (the hash value).
    """

    line_no: int
    error: InputError

    @property
    def message(self) -> str:
        return f"line {self.line_no}: {self.error.message}"

    def to_dict(self) -> dict[str, object]:
        """The error as it appears in an import report."""
        return {"line": self.line_no, **self.error.to_dict()}


ParsedLine = ParsedEntry | LineError
