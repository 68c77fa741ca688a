"""Streaming writers: entries in, a hash-list file out, one line per entry.

Each writer emits what the matching reader reads back unchanged (a property
test holds them to it), except where a format has no room for a field: the
threatexchange format carries the signal type and value only, and CSV carries
every field but a PDQ entry's bank-side variants (a list does not fit a cell
that other tools read; JSON Lines carries them as ``"variants"``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

from shieldwall.exchange.fields import fields_from_entry
from shieldwall.exchange.formats import FIELDS, THREATEXCHANGE_NAMES, ExchangeFormat
from shieldwall.exchange.variants import variants_to_records
from shieldwall.types import NewEntry, SignalType


def write_entries(
    entries: Iterable[NewEntry], stream: IO[str], format: ExchangeFormat | str
) -> int:
    """Write ``entries`` to the text stream ``stream`` as ``format``; returns how many.

    Raises :class:`~shieldwall.errors.InputError` on an entry the format
    cannot hold (an invalid hash, a text field with control characters); the
    lines before it are already written.
    """
    kind = ExchangeFormat(format)
    count = 0
    if kind is ExchangeFormat.CSV:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(FIELDS)
        for entry in entries:
            fields = fields_from_entry(entry)
            writer.writerow(["" if fields[name] is None else fields[name] for name in FIELDS])
            count += 1
    elif kind is ExchangeFormat.JSONL:
        for entry in entries:
            fields = fields_from_entry(entry)
            record: dict[str, object] = {
                name: value for name, value in fields.items() if value is not None
            }
            if entry.variants:
                record["variants"] = variants_to_records(
                    entry.variants, signal_type=entry.signal_type
                )
            stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    else:
        for entry in entries:
            fields = fields_from_entry(entry)
            name = THREATEXCHANGE_NAMES[SignalType(entry.signal_type)]
            stream.write(f"{name} {fields['value']}\n")
            count += 1
    return count
