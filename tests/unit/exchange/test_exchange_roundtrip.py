"""Writing then reading gives back the same entries (property tests), and what the writers
emit is what other tools expect (threatexchange's own file reader included)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.errors import InvalidRecordError
from shieldwall.exchange import (
    FIELDS,
    ExchangeFormat,
    LineError,
    ParsedEntry,
    read_entries,
    write_entries,
)
from shieldwall.types import HashKind, NewEntry, Provenance

# Text fields: printable, no control characters (refused by design), up to the 255 limit.
_text = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=255).filter(
        lambda s: s.strip() != ""
    ),
)
_times = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
)


@st.composite
def _entries(draw: st.DrawFn) -> NewEntry:
    kind = draw(st.sampled_from(list(HashKind)))
    value = draw(st.binary(min_size=kind.hex_length // 2, max_size=kind.hex_length // 2)).hex()
    return NewEntry(
        signal_type=kind,
        value=value,
        provenance=Provenance(
            source=draw(_text),
            external_id=draw(_text),
            case_id=draw(_text),
            submitted_at=draw(_times),
        ),
        category=draw(_text),
        expires_at=draw(_times),
    )


def _round_trip(entries: list[NewEntry], fmt: ExchangeFormat) -> list[NewEntry]:
    buffer = io.StringIO()
    assert write_entries(entries, buffer, fmt) == len(entries)
    parsed = list(read_entries(io.BytesIO(buffer.getvalue().encode()), fmt))
    assert not [p for p in parsed if isinstance(p, LineError)]
    return [p.entry for p in parsed if isinstance(p, ParsedEntry)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_entries(), max_size=8), st.sampled_from([ExchangeFormat.CSV, ExchangeFormat.JSONL])
)
def test_csv_and_jsonl_round_trip_every_field(entries: list[NewEntry], fmt: ExchangeFormat) -> None:
    assert _round_trip(entries, fmt) == entries


@settings(max_examples=30, deadline=None)
@given(st.lists(_entries(), max_size=8))
def test_threatexchange_round_trips_type_and_value(entries: list[NewEntry]) -> None:
    back = _round_trip(entries, ExchangeFormat.THREATEXCHANGE)
    assert [(e.signal_type, e.value) for e in back] == [(e.signal_type, e.value) for e in entries]


def test_csv_writer_starts_with_the_documented_header() -> None:
    buffer = io.StringIO()
    write_entries([NewEntry(HashKind.MD5, "A" * 32)], buffer, "csv")
    header, row = buffer.getvalue().splitlines()
    assert header == ",".join(FIELDS)
    assert row == "md5," + "a" * 32 + ",,,,,,,active"


def test_writer_refuses_text_a_line_reader_could_not_read_back() -> None:
    entry = NewEntry(HashKind.MD5, "a" * 32, category="two\nlines")
    for fmt in ExchangeFormat:
        with pytest.raises(InvalidRecordError):
            write_entries([entry], io.StringIO(), fmt)


def test_writers_stream_from_a_generator() -> None:
    def many() -> object:
        for i in range(1000):
            yield NewEntry(HashKind.PDQ, f"{i:064x}")

    buffer = io.StringIO()
    assert write_entries(many(), buffer, "jsonl") == 1000  # type: ignore[arg-type]


def test_threatexchange_file_api_reads_what_we_write(tmp_path: Path) -> None:
    """Meta's own LocalFileSignalExchangeAPI parses our threatexchange output."""
    from threatexchange.exchanges.impl.file_api import (
        FileCollaborationConfig,
        LocalFileSignalExchangeAPI,
    )
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.sha256 import VideoSHA256Signal

    entries = [
        NewEntry(HashKind.PDQ, "ab" * 32),
        NewEntry(HashKind.MD5, "cd" * 16),
        NewEntry(HashKind.SHA256, "ef" * 32),
    ]
    path = tmp_path / "hashes.txt"
    with path.open("w") as stream:
        write_entries(entries, stream, "threatexchange")
    api = LocalFileSignalExchangeAPI(
        FileCollaborationConfig(name="t", api="local_file", enabled=True, filename=str(path))
    )
    (delta,) = api.fetch_iter([PdqSignal, VideoMD5Signal, VideoSHA256Signal], None)
    names = {PdqSignal.get_name(), VideoMD5Signal.get_name(), VideoSHA256Signal.get_name()}
    assert {kind for kind, _ in delta.updates} <= names
    assert sorted(value for _, value in delta.updates) == sorted(e.value for e in entries)
