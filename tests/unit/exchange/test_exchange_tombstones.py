"""Withdrawals and deletions travel in exports: CSV's ``status`` column and JSON Lines
tombstones, read back with their status; threatexchange lines carry active entries only."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from shieldwall.exchange import (
    ExchangeFormat,
    ExportRecord,
    LineError,
    ParsedEntry,
    read_entries,
    write_entries,
)
from shieldwall.types import EntryStatus, HashKind, NewEntry, Provenance

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _entry(value: str = PDQ) -> NewEntry:
    return NewEntry(
        HashKind.PDQ,
        value,
        Provenance(source="stopncii", external_id="h-1", case_id="case-9"),
        category="ncii",
        variants=(("crop(center,90%)", "0f" * 32),),
    )


def _read(text: str, fmt: ExchangeFormat) -> list[ParsedEntry | LineError]:
    return list(read_entries(io.BytesIO(text.encode()), fmt))


def test_a_jsonl_tombstone_carries_the_hash_and_status_and_nothing_else() -> None:
    buffer = io.StringIO()
    write_entries(
        [ExportRecord(_entry()), ExportRecord(_entry("0" * 64), EntryStatus.WITHDRAWN)],
        buffer,
        "jsonl",
    )
    active, tombstone = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert "status" not in active and active["case_id"] == "case-9"
    # A withdrawn hash's case, category, source and region hashes do not travel further.
    assert tombstone == {
        "signal_type": "pdq",
        "value": "0" * 64,
        "external_id": "h-1",
        "status": "withdrawn",
    }


def test_csv_has_a_status_column_and_retired_rows_keep_only_the_identity() -> None:
    buffer = io.StringIO()
    write_entries([ExportRecord(_entry(), EntryStatus.DELETED)], buffer, "csv")
    header, row = buffer.getvalue().splitlines()
    assert header.endswith(",status")
    assert row == f"pdq,{PDQ},,,h-1,,,,deleted"


def test_threatexchange_lines_leave_retired_entries_out() -> None:
    buffer = io.StringIO()
    written = write_entries(
        [ExportRecord(_entry()), ExportRecord(_entry("0" * 64), EntryStatus.WITHDRAWN)],
        buffer,
        "threatexchange",
    )
    assert written == 1
    assert buffer.getvalue() == f"pdq {PDQ}\n"


@given(
    st.lists(
        st.tuples(st.binary(min_size=32, max_size=32), st.sampled_from(list(EntryStatus))),
        max_size=6,
    ),
    st.sampled_from([ExchangeFormat.CSV, ExchangeFormat.JSONL]),
)
def test_statuses_round_trip(records: list[tuple[bytes, EntryStatus]], fmt: ExchangeFormat) -> None:
    buffer = io.StringIO()
    write_entries(
        [ExportRecord(NewEntry(HashKind.PDQ, raw.hex()), status) for raw, status in records],
        buffer,
        fmt,
    )
    back = _read(buffer.getvalue(), fmt)
    assert all(isinstance(p, ParsedEntry) for p in back)
    assert [(p.entry.value, p.status) for p in back if isinstance(p, ParsedEntry)] == [
        (raw.hex(), status) for raw, status in records
    ]


def test_an_unknown_status_is_one_line_error_and_the_rest_is_read() -> None:
    text = (
        f'{{"signal_type":"pdq","value":"{PDQ}","status":"paused"}}\n'
        f'{{"signal_type":"pdq","value":"{PDQ}","status":"WITHDRAWN"}}\n'
    )
    bad, good = _read(text, ExchangeFormat.JSONL)
    assert isinstance(bad, LineError) and bad.error.code == "invalid_record"
    assert isinstance(good, ParsedEntry) and good.status is EntryStatus.WITHDRAWN
