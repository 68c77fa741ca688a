"""The hash-list file formats Shieldwall reads and writes, and how to tell them apart.

``docs/exchange-formats.md`` is the user-facing description of each format;
this module is the one place that knows their names, file extensions and the
signal-type names other tools use.
"""

from __future__ import annotations

import enum
from pathlib import Path

from shieldwall.errors import InvalidRecordError
from shieldwall.types import HashKind


class ExchangeFormat(enum.StrEnum):
    """A hash-list file format."""

    CSV = "csv"
    """Header row, then one entry per row; columns as in :data:`FIELDS`. Plain: a PDQ
    entry's bank-side variants are not written, and a ``variants`` column is ignored."""
    JSONL = "jsonl"
    """One JSON object per line, with the :data:`FIELDS` as keys, plus an optional
    ``variants`` list on PDQ entries (``[{"name": ..., "pdq": ...}]``, see
    :mod:`shieldwall.exchange.variants`): the one format that carries them both ways."""
    THREATEXCHANGE = "threatexchange"
    """``signal_type signal_value`` lines, as Meta's ``threatexchange`` CLI reads and prints.
    Plain: no metadata, no variants."""


FIELDS = (
    "signal_type",
    "value",
    "category",
    "source",
    "external_id",
    "case_id",
    "submitted_at",
    "expires_at",
    "status",
)
"""Columns (CSV) and keys (JSON Lines), in the order they are written."""

STATUS_FIELD = "status"
"""``active`` (the default when missing), ``withdrawn`` or ``deleted``: a withdrawn or
deleted record (a tombstone) tells an importer to take that hash out of matching."""

REQUIRED_FIELDS = ("signal_type", "value")

TEXT_FIELD_MAX = 255
"""Longest text field accepted; the bank store's columns have the same limit."""

SIGNAL_ALIASES: dict[str, HashKind] = {
    "pdq": HashKind.PDQ,
    "md5": HashKind.MD5,
    "sha256": HashKind.SHA256,
    # threatexchange names its digests after the content type it hashes them for;
    # the digest of a file is the same whatever the file holds.
    "video_md5": HashKind.MD5,
    "video_sha256": HashKind.SHA256,
}
"""Signal-type names accepted on input, ours and threatexchange's."""

THREATEXCHANGE_NAMES: dict[HashKind, str] = {
    HashKind.PDQ: "pdq",
    HashKind.MD5: "video_md5",
    HashKind.SHA256: "video_sha256",
}
"""Names written in threatexchange files, so its ``LocalFileSignalExchangeAPI`` reads them."""

UNSUPPORTED_THREATEXCHANGE_TYPES = frozenset({"url", "url_md5", "raw_text", "trend_query"})
"""threatexchange signal types Shieldwall does not bank; reported per line, not guessed."""

_EXTENSIONS = {
    ".csv": ExchangeFormat.CSV,
    ".jsonl": ExchangeFormat.JSONL,
    ".ndjson": ExchangeFormat.JSONL,
    ".txt": ExchangeFormat.THREATEXCHANGE,
    ".te": ExchangeFormat.THREATEXCHANGE,
}

SNIFF_BYTES = 64 * 1024


def sniff_format(head: bytes) -> ExchangeFormat | None:
    """Guess the format from the start of a file, or None when nothing fits."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith("{"):
        return ExchangeFormat.JSONL
    header = [cell.strip().lower() for cell in first.split(",")]
    if "signal_str" in header or "signal_value" in header:
        return ExchangeFormat.THREATEXCHANGE
    if "signal_type" in header and "value" in header:
        return ExchangeFormat.CSV
    kind = first.replace(",", " ").split(" ", 1)[0].lower()
    if kind in SIGNAL_ALIASES or kind in UNSUPPORTED_THREATEXCHANGE_TYPES:
        return ExchangeFormat.THREATEXCHANGE
    return None


def detect_format(path: str | Path, *, head: bytes | None = None) -> ExchangeFormat:
    """The format of the file at ``path``: by extension, else by its first line.

    ``head`` (the first bytes of the file) may be given when the path cannot be
    read again, e.g. standard input. Raises :class:`InvalidRecordError` when
    neither tells.
    """
    name = Path(path)
    by_extension = _EXTENSIONS.get(name.suffix.lower())
    if by_extension is not None:
        return by_extension
    if head is None:
        with name.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    sniffed = sniff_format(head)
    if sniffed is None:
        raise InvalidRecordError(
            "cannot tell the file format; name it with --format "
            f"({', '.join(f.value for f in ExchangeFormat)})",
            value=str(path),
        )
    return sniffed
