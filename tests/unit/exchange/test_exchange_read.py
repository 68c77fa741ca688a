"""Reading hash lists: happy paths in every format, and every per-line error with its line
number, including hostile input (huge lines, binary garbage, bad hex, unknown types)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.exchange import (
    ExchangeFormat,
    LineError,
    ParsedEntry,
    ParsedLine,
    detect_format,
    read_entries,
)
from shieldwall.types import HashKind, NewEntry, Provenance

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _read(data: bytes, fmt: str, **kwargs: int) -> list[ParsedLine]:
    return list(read_entries(io.BytesIO(data), fmt, **kwargs))


def _errors(parsed: list[ParsedLine]) -> dict[int, LineError]:
    return {p.line_no: p for p in parsed if isinstance(p, LineError)}


def _entries(parsed: list[ParsedLine]) -> dict[int, NewEntry]:
    return {p.line_no: p.entry for p in parsed if isinstance(p, ParsedEntry)}


def test_csv_with_every_column() -> None:
    data = (
        "signal_type,value,category,source,external_id,case_id,submitted_at,expires_at\n"
        f"pdq,{PDQ.upper()},ncii,stopncii,ext-1,case-1,2024-05-01T12:00:00Z,2026-01-01\n"
        f"md5,{MD5},,,,,,\n"
    ).encode()
    parsed = _read(data, "csv")
    assert _entries(parsed) == {
        2: NewEntry(
            HashKind.PDQ,
            PDQ,
            Provenance(
                source="stopncii",
                external_id="ext-1",
                case_id="case-1",
                submitted_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
            ),
            category="ncii",
            expires_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        3: NewEntry(HashKind.MD5, MD5),
    }


def test_csv_needs_only_type_and_value_in_any_order_and_ignores_extra_columns() -> None:
    data = f"Value , SIGNAL_TYPE,partner_note\n{SHA},sha256,hello\n".encode()
    assert _entries(_read(data, "csv")) == {2: NewEntry(HashKind.SHA256, SHA)}


def test_csv_header_without_required_columns_stops_at_line_1() -> None:
    parsed = _read(f"type,hash\nmd5,{MD5}\n".encode(), "csv")
    assert len(parsed) == 1
    error = _errors(parsed)[1].error
    assert isinstance(error, InvalidRecordError)
    assert "signal_type" in error.message


def test_bom_crlf_and_blank_lines_are_tolerated() -> None:
    data = b"\xef\xbb\xbfsignal_type,value\r\n\r\n" + f"md5,{MD5}\r\n   \r\n".encode()
    parsed = _read(data, "csv")
    assert parsed == [ParsedEntry(3, NewEntry(HashKind.MD5, MD5))]


def test_every_csv_line_error_carries_its_line_number() -> None:
    lines = [
        "signal_type,value,category",
        f"md5,{MD5},ok",  # 2 good
        f"md5,{MD5}",  # 3 too few columns
        f"md5,{MD5},a,b",  # 4 too many columns
        "md5,zz,bad hex",  # 5
        f"sha1,{MD5},x",  # 6 unknown type
        f"url,{MD5},x",  # 7 a threatexchange type we do not bank
        f'md5,"{MD5},x',  # 8 unterminated quote
        f"pdq,{PDQ},{'c' * 256}",  # 9 field too long
        f"pdq,{PDQ},a\x07b",  # 10 control character
        f"sha256,{SHA},fine",  # 11 good
    ]
    parsed = _read("\n".join(lines).encode(), "csv")
    errors = _errors(parsed)
    assert sorted(_entries(parsed)) == [2, 11]
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "3 columns" in errors[3].error.message
    assert isinstance(errors[5].error, InvalidHashError)
    assert isinstance(errors[6].error, InvalidHashError)
    assert isinstance(errors[7].error, InvalidRecordError)
    assert errors[5].message.startswith("line 5: ")
    assert errors[9].to_dict()["code"] == "invalid_record"


def test_bad_timestamps_are_per_line_errors() -> None:
    data = f"signal_type,value,expires_at\nmd5,{MD5},tomorrow\nmd5,{MD5},\n".encode()
    parsed = _read(data, "csv")
    assert "ISO 8601" in _errors(parsed)[2].error.message
    assert 3 in _entries(parsed)


def test_a_huge_line_is_one_error_and_reading_goes_on() -> None:
    huge = b"md5," + b"a" * (10 * 1024 * 1024)
    data = b"signal_type,value\n" + huge + b"\n" + f"md5,{MD5}\n".encode()
    parsed = _read(data, "csv")
    assert "longer than" in _errors(parsed)[2].error.message
    assert _entries(parsed) == {3: NewEntry(HashKind.MD5, MD5)}
    assert len(_errors(parsed)[2].error.value or "") <= 120


def test_line_limit_is_configurable_and_exact() -> None:
    content = f"md5 {MD5}".encode()  # the limit does not count the final newline
    assert _entries(_read(content + b"\n", "threatexchange", max_line_bytes=len(content)))
    assert _errors(_read(content + b"\n", "threatexchange", max_line_bytes=len(content) - 1))


def test_binary_garbage_spoils_only_its_own_lines() -> None:
    data = (
        b"signal_type,value\n"
        + b"\xff\xfe\x00\x81garbage\n"
        + f"md5,{MD5}\n".encode()
        + bytes(range(256))
        + b"\n"
    )
    parsed = _read(data, "csv")
    errors = _errors(parsed)
    assert "UTF-8" in errors[2].error.message
    assert 3 in _entries(parsed)
    # bytes(range(256)) holds a '\n' at 0x0a, so it is two lines, both bad.
    assert {4, 5} <= set(errors)


def test_jsonl_happy_path_and_errors() -> None:
    lines = [
        f'{{"signal_type": "pdq", "value": "{PDQ}", "category": "ncii", "collab": 7}}',
        "not json",
        "[1, 2]",
        '{"signal_type": "md5", "value": 5}',
        '{"signal_type": "md5"}',
        "[" * 5000,
        f'{{"signal_type": "video_md5", "value": "{MD5}", "source": null}}',
    ]
    parsed = _read("\n".join(lines).encode(), "jsonl")
    assert _entries(parsed) == {
        1: NewEntry(HashKind.PDQ, PDQ, category="ncii"),
        7: NewEntry(HashKind.MD5, MD5),
    }
    errors = _errors(parsed)
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert "JSON object" in errors[3].error.message
    assert "value is missing" in errors[5].error.message


def test_threatexchange_lines_as_its_cli_prints_them() -> None:
    lines = [
        f"pdq {PDQ}",
        f"video_md5 {MD5}",
        f"video_sha256,{SHA}",
        f"url_md5 {MD5}",
        "raw_text hello",
        f"pdq {PDQ} extra",
        PDQ,
        f"md5 {MD5}",
    ]
    parsed = _read("\n".join(lines).encode(), "threatexchange")
    assert _entries(parsed) == {
        1: NewEntry(HashKind.PDQ, PDQ),
        2: NewEntry(HashKind.MD5, MD5),
        3: NewEntry(HashKind.SHA256, SHA),
        8: NewEntry(HashKind.MD5, MD5),
    }
    errors = _errors(parsed)
    assert sorted(errors) == [4, 5, 6, 7]
    assert "not one Shieldwall banks" in errors[4].error.message


def test_threatexchange_dataset_csv_export() -> None:
    # `threatexchange dataset -P --csv` header and columns.
    data = (
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ},Sample Data,POSITIVE_CLASS,tag1 tag2\n"
        f"url,https://example.test/x,Sample Data,POSITIVE_CLASS,\n"
    ).encode()
    parsed = _read(data, "threatexchange")
    assert _entries(parsed) == {2: NewEntry(HashKind.PDQ, PDQ)}
    assert set(_errors(parsed)) == {3}


def test_read_needs_a_binary_stream() -> None:
    with pytest.raises(TypeError):
        list(read_entries(io.StringIO("md5 x\n"), "threatexchange"))  # type: ignore[arg-type]


def test_unknown_format_name_is_refused() -> None:
    with pytest.raises(ValueError):
        read_entries(io.BytesIO(b""), "xml")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("banks.csv", b"", ExchangeFormat.CSV),
        ("BANKS.JSONL", b"", ExchangeFormat.JSONL),
        ("feed.ndjson", b"", ExchangeFormat.JSONL),
        ("hashes.txt", b"", ExchangeFormat.THREATEXCHANGE),
        ("export", f'{{"signal_type":"md5","value":"{MD5}"}}\n'.encode(), ExchangeFormat.JSONL),
        ("export", b"\xef\xbb\xbfsignal_type,value\n", ExchangeFormat.CSV),
        ("export", b"signal_type,signal_str,collab\n", ExchangeFormat.THREATEXCHANGE),
        ("export", f"\npdq {PDQ}\n".encode(), ExchangeFormat.THREATEXCHANGE),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: bytes, expected: ExchangeFormat) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) is expected


def test_detect_format_refuses_what_it_cannot_tell(tmp_path: Path) -> None:
    path = tmp_path / "mystery.bin"
    path.write_bytes(b"\x00\x01 hello world\n")
    with pytest.raises(InvalidRecordError, match="--format"):
        detect_format(path)
    assert detect_format("stdin", head=f"md5,{MD5}\n".encode()) is ExchangeFormat.THREATEXCHANGE
