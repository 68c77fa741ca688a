"""Streaming readers: a hash-list file in, one :data:`ParsedLine` per non-blank line out.

Readers hold one line at a time, so a file of any size streams straight into
``BankStore.add_entries``. Every problem is reported against its line and the
reader carries on; only a CSV file whose header lacks the required columns
stops after saying so at line 1 (no line after it could be read).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterator
from typing import IO

from shieldwall.errors import InputError, InvalidRecordError
from shieldwall.exchange.fields import entry_from_fields, status_from_fields
from shieldwall.exchange.formats import FIELDS, REQUIRED_FIELDS, ExchangeFormat
from shieldwall.exchange.lines import MAX_LINE_BYTES, iter_lines
from shieldwall.exchange.records import LineError, ParsedEntry, ParsedLine
from shieldwall.exchange.variants import parse_variants

_TE_VALUE_COLUMNS = ("signal_str", "signal_value", "value")


def read_entries(
    stream: IO[bytes],
    format: ExchangeFormat | str,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[ParsedLine]:
    """Parse ``stream`` (opened in binary mode) as ``format``, one result per non-blank line.

    Yields :class:`ParsedEntry` for a good line and :class:`LineError` for a bad
    one, in file order. Hash values come out canonical (lowercase hex) and
    timestamps as aware UTC datetimes.
    """
    kind = ExchangeFormat(format)
    lines = iter_lines(stream, max_line_bytes=max_line_bytes)
    if kind is ExchangeFormat.CSV:
        return _read_csv(lines)
    if kind is ExchangeFormat.JSONL:
        return _read_jsonl(lines)
    return _read_threatexchange(lines)


_Lines = Iterator[tuple[int, str | InvalidRecordError]]


def _split_csv(text: str) -> list[str]:
    # One physical line is one record: quoted fields may hold commas but not
    # line breaks, which is what keeps line numbers (and errors) exact.
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise InvalidRecordError(f"not a valid CSV row: {exc}", value=text) from exc


def _read_csv(lines: _Lines) -> Iterator[ParsedLine]:
    header: list[str] | None = None
    for line_no, text in lines:
        if isinstance(text, InvalidRecordError):
            yield LineError(line_no, text)
            continue
        if not text.strip():
            continue
        try:
            cells = _split_csv(text)
        except InputError as exc:
            yield LineError(line_no, exc)
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            missing = [name for name in REQUIRED_FIELDS if name not in header]
            if missing:
                yield LineError(
                    line_no,
                    InvalidRecordError(
                        f"CSV header must name the columns {', '.join(REQUIRED_FIELDS)} "
                        f"(optional: {', '.join(FIELDS[2:])}); missing {', '.join(missing)}",
                        value=text,
                    ),
                )
                return
            continue
        if len(cells) != len(header):
            yield LineError(
                line_no,
                InvalidRecordError(
                    f"expected {len(header)} columns as in the header, found {len(cells)}",
                    value=text,
                ),
            )
            continue
        yield _entry(line_no, dict(zip(header, cells, strict=True)))


def _read_jsonl(lines: _Lines) -> Iterator[ParsedLine]:
    for line_no, text in lines:
        if isinstance(text, InvalidRecordError):
            yield LineError(line_no, text)
            continue
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nesting
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "too deeply nested"
            yield LineError(line_no, InvalidRecordError(f"not valid JSON: {message}", value=text))
            continue
        if not isinstance(record, dict):
            yield LineError(
                line_no, InvalidRecordError("each line must be a JSON object", value=text)
            )
            continue
        yield _jsonl_entry(line_no, record)


def _jsonl_entry(line_no: int, record: dict[str, object]) -> ParsedLine:
    # JSON Lines alone has room for a PDQ entry's bank-side variants; a bad
    # variants list refuses the whole line, so nobody banks half of what they sent.
    try:
        entry = entry_from_fields(record)
        status = status_from_fields(record)
        variants = parse_variants(record.get("variants"), signal_type=entry.signal_type)
    except InputError as exc:
        return LineError(line_no, exc)
    if variants:
        entry = dataclasses.replace(entry, variants=variants)
    return ParsedEntry(line_no, entry, status)


def _read_threatexchange(lines: _Lines) -> Iterator[ParsedLine]:
    csv_header: list[str] | None = None
    for line_no, text in lines:
        if isinstance(text, InvalidRecordError):
            yield LineError(line_no, text)
            continue
        stripped = text.strip()
        if not stripped:
            continue
        if csv_header is None and line_no == 1 and stripped.lower().startswith("signal_type,"):
            # `threatexchange dataset -P --csv` writes a header and extra columns.
            csv_header = [cell.strip().lower() for cell in stripped.split(",")]
            continue
        if csv_header is not None:
            try:
                cells = dict(zip(csv_header, _split_csv(text), strict=False))
            except InputError as exc:
                yield LineError(line_no, exc)
                continue
            value = next((cells[c] for c in _TE_VALUE_COLUMNS if c in cells), None)
            yield _entry(line_no, {"signal_type": cells.get("signal_type"), "value": value})
            continue
        # `type value` (what `threatexchange hash` prints and its file API reads), or `type,value`.
        separator = "," if "," in stripped.split(" ", 1)[0] else " "
        kind, _, value = stripped.partition(separator)
        if not value.strip():
            yield LineError(
                line_no,
                InvalidRecordError(
                    "expected 'signal_type signal_value' (e.g. 'pdq <64 hex digits>')",
                    value=text,
                ),
            )
            continue
        if " " in value.strip() or "," in value.strip():
            yield LineError(
                line_no,
                InvalidRecordError(
                    "expected exactly two fields: signal_type signal_value", value=text
                ),
            )
            continue
        yield _entry(line_no, {"signal_type": kind, "value": value})


def _entry(line_no: int, fields: dict[str, object]) -> ParsedLine:
    try:
        return ParsedEntry(line_no, entry_from_fields(fields), status_from_fields(fields))
    except InputError as exc:
        return LineError(line_no, exc)
