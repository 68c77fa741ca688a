"""CSV indicator feeds: ``id,kind,value,source,confidence,expires_at,description``.

Read line by line from any text stream (a 10 GB feed never sits in memory). The header row
is required and names the columns, so their order may vary and extra columns are ignored.
Times are ISO 8601 (``Z`` or an offset); an empty ``expires_at`` means "until withdrawn".
Exported values are written as they are: a spreadsheet may treat a value starting with ``@``
or ``=`` as a formula, so open feeds in a text editor or import them as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from shieldwall.exchange.indicators.records import (
    ImportItem,
    RecordProblem,
    format_time,
    parse_confidence,
    parse_time,
)
from shieldwall.signals.text import Indicator, InvalidIndicatorError

COLUMNS = ("id", "kind", "value", "source", "confidence", "expires_at", "description")
MAX_FIELD_CHARS = 100_000


def read_csv(
    lines: Iterable[str], *, default_source: str | None = None, max_records: int | None = None
) -> Iterator[ImportItem]:
    """Indicators and per-line problems from a CSV feed, in file order."""
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield RecordProblem("line 1", "invalid_record", f"unreadable header: {exc}")
        return
    missing = [c for c in ("id", "kind", "value") if c not in header]
    if default_source is None and "source" not in header:
        missing.append("source")
    if missing:
        yield RecordProblem("line 1", "invalid_record", f"header lacks {', '.join(missing)}")
        return
    col = {name: i for i, name in enumerate(header)}
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RecordProblem(f"line {reader.line_num}", "invalid_record", f"bad CSV: {exc}")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        count += 1
        if max_records is not None and count > max_records:
            yield RecordProblem(
                f"line {reader.line_num}", "too_large", f"more than {max_records} records; stopped"
            )
            return
        yield _record(row, col, f"line {reader.line_num}", default_source)


def _record(
    row: list[str], col: dict[str, int], position: str, default_source: str | None
) -> ImportItem:
    def cell(name: str) -> str:
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    if any(len(c) > MAX_FIELD_CHARS for c in row):
        return RecordProblem(position, "invalid_record", "a field is longer than allowed")
    try:
        return Indicator(
            id=cell("id"),
            kind=cell("kind"),  # type: ignore[arg-type]
            value=cell("value"),
            source=cell("source") or default_source or "",
            confidence=parse_confidence(cell("confidence") or "1"),
            expires_at=parse_time(cell("expires_at")),
            description=cell("description"),
        )
    except InvalidIndicatorError as exc:
        return RecordProblem.from_error(position, exc)


def write_csv(indicators: Iterable[Indicator], stream: IO[str]) -> int:
    """Write a header and one row per indicator; returns the number of rows."""
    # RFC 4180 line ends: the writer then quotes any field holding \r or \n.
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for ind in indicators:
        writer.writerow(
            [
                ind.id,
                ind.kind.value,
                ind.value,
                ind.source,
                repr(ind.confidence),
                format_time(ind.expires_at),
                ind.description,
            ]
        )
        n += 1
    return n
