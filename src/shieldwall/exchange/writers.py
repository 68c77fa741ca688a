"""Streaming writers: entries in, a hash-list file out, one line per entry.

Each writer emits what the matching reader reads back unchanged (a property
test holds them to it), except where a format has no room for a field: the
threatexchange format carries the signal type and value only, and CSV carries
every field but a PDQ entry's bank-side variants (a list does not fit a cell
that other tools read; JSON Lines carries them as ``"variants"``).

Withdrawn and deleted entries travel too, so a partner who imports the file stops
matching them: CSV has a ``status`` column, and JSON Lines writes a *tombstone*
(``signal_type``, ``value``, ``status`` and the supplier's ``external_id``, nothing
else: a withdrawn hash's metadata has no business travelling further). The
threatexchange format has no room for a status, so only active entries are written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO

from shieldwall.exchange.fields import fields_from_entry
from shieldwall.exchange.formats import (
    FIELDS,
    STATUS_FIELD,
    THREATEXCHANGE_NAMES,
    ExchangeFormat,
)
from shieldwall.exchange.records import ExportRecord
from shieldwall.exchange.variants import variants_to_records
from shieldwall.types import EntryStatus, HashKind, NewEntry

_TOMBSTONE_FIELDS = ("signal_type", "value", "external_id", STATUS_FIELD)


def _records(entries: Iterable[NewEntry | ExportRecord]) -> Iterator[ExportRecord]:
    for item in entries:
        yield item if isinstance(item, ExportRecord) else ExportRecord(item)


def write_entries(
    entries: Iterable[NewEntry | ExportRecord], stream: IO[str], format: ExchangeFormat | str
) -> int:
    """Write ``entries`` to the text stream ``stream`` as ``format``; returns how many
    lines were written (a plain :class:`NewEntry` is written as active).

    Raises :class:`~shieldwall.errors.InputError` on an entry the format
    cannot hold (an invalid hash, a text field with control characters); the
    lines before it are already written.
    """
    kind = ExchangeFormat(format)
    count = 0
    if kind is ExchangeFormat.CSV:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(FIELDS)
        for item in _records(entries):
            fields = fields_from_entry(item.entry, item.status)
            if item.status is not EntryStatus.ACTIVE:
                fields = {k: v if k in _TOMBSTONE_FIELDS else None for k, v in fields.items()}
            writer.writerow(["" if fields[name] is None else fields[name] for name in FIELDS])
            count += 1
    elif kind is ExchangeFormat.JSONL:
        for item in _records(entries):
            entry = item.entry
            fields = fields_from_entry(entry, item.status)
            if item.status is not EntryStatus.ACTIVE:
                fields = {name: fields[name] for name in _TOMBSTONE_FIELDS}
            else:
                del fields[STATUS_FIELD]  # active is the default: plain records stay as they were
            record: dict[str, object] = {
                name: value for name, value in fields.items() if value is not None
            }
            if entry.variants and item.status is EntryStatus.ACTIVE:
                record["variants"] = variants_to_records(
                    entry.variants, signal_type=entry.signal_type
                )
            stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    else:
        for item in _records(entries):
            if item.status is not EntryStatus.ACTIVE:
                continue
            entry = item.entry
            fields = fields_from_entry(entry)
            name = THREATEXCHANGE_NAMES[HashKind(entry.signal_type)]
            stream.write(f"{name} {fields['value']}\n")
            count += 1
    return count
