"""Bank-side variants in hash-list files: JSON Lines carries them both ways, a bad variants
list is one line's error (the import goes on), CSV and threatexchange stay plain."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.exchange import ExchangeFormat, LineError, ParsedEntry, read_entries, write_entries
from shieldwall.exchange.variants import MAX_VARIANTS, parse_variants
from shieldwall.types import HashKind, NewEntry, Provenance

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
CROP80 = "0f" * 32
CROP70 = "a5" * 32


def _round_trip(entries: list[NewEntry], fmt: ExchangeFormat) -> list[NewEntry]:
    buffer = io.StringIO()
    write_entries(entries, buffer, fmt)
    parsed = list(read_entries(io.BytesIO(buffer.getvalue().encode()), fmt))
    assert not [p for p in parsed if isinstance(p, LineError)]
    return [p.entry for p in parsed if isinstance(p, ParsedEntry)]


_names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="@"),
    min_size=1,
    max_size=64,
).filter(lambda s: s == s.strip() and s.isprintable() and s != "original")


@st.composite
def _pdq_entries(draw: st.DrawFn) -> NewEntry:
    names = draw(st.lists(_names, max_size=MAX_VARIANTS, unique=True))
    hexes = st.binary(min_size=32, max_size=32).map(bytes.hex)
    return NewEntry(
        HashKind.PDQ,
        draw(hexes),
        Provenance(source=draw(st.none() | st.just("partner"))),
        variants=tuple((name, draw(hexes)) for name in names),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_pdq_entries(), max_size=6))
def test_jsonl_round_trips_variants(entries: list[NewEntry]) -> None:
    assert _round_trip(entries, ExchangeFormat.JSONL) == entries


def test_jsonl_writes_variants_as_a_list_of_name_and_pdq() -> None:
    entry = NewEntry(
        HashKind.PDQ, PDQ, variants=(("crop(center,80%)", CROP80), ("crop(center,70%)", CROP70))
    )
    buffer = io.StringIO()
    write_entries([entry, NewEntry(HashKind.PDQ, CROP80)], buffer, "jsonl")
    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert first["variants"] == [
        {"name": "crop(center,80%)", "pdq": CROP80},
        {"name": "crop(center,70%)", "pdq": CROP70},
    ]
    assert "variants" not in second  # only keys that have a value are written


@pytest.mark.parametrize("fmt", [ExchangeFormat.CSV, ExchangeFormat.THREATEXCHANGE])
def test_csv_and_threatexchange_stay_plain(fmt: ExchangeFormat) -> None:
    entry = NewEntry(HashKind.PDQ, PDQ, variants=(("crop(center,80%)", CROP80),))
    buffer = io.StringIO()
    write_entries([entry], buffer, fmt)
    assert CROP80 not in buffer.getvalue()
    (back,) = _round_trip([entry], fmt)
    assert back.value == PDQ and back.variants == ()


def test_csv_ignores_a_variants_column() -> None:
    data = f'signal_type,value,variants\npdq,{PDQ},"[{{""name"":""x"",""pdq"":""{CROP80}""}}]"\n'
    (parsed,) = list(read_entries(io.BytesIO(data.encode()), "csv"))
    assert isinstance(parsed, ParsedEntry) and parsed.entry.variants == ()


def _line(variants: object, signal_type: str = "pdq", value: str = PDQ) -> str:
    return json.dumps({"signal_type": signal_type, "value": value, "variants": variants})


def test_bad_variants_are_errors_of_their_own_line_and_the_import_goes_on() -> None:
    good = [{"name": "crop(center,80%)", "pdq": CROP80.upper()}]
    lines = [
        _line(good),  # 1: good (hex is normalised)
        _line([{"name": "x", "pdq": "abc"}]),  # 2: short hash
        _line(good, "md5", "d41d8cd98f00b204e9800998ecf8427e"),  # 3: not a PDQ entry
        _line([{"name": f"v{i}", "pdq": CROP80} for i in range(MAX_VARIANTS + 1)]),  # 4
        _line([{"name": "a", "pdq": CROP80}, {"name": "a", "pdq": CROP70}]),  # 5: repeated
        _line({"name": "a", "pdq": CROP80}),  # 6: not a list
        _line(["crop(center,80%)"]),  # 7: item not an object
        _line([{"name": "a@b", "pdq": CROP80}]),  # 8: '@' separates query and bank names
        _line([{"name": "x" * 65, "pdq": CROP80}]),  # 9: too long
        _line([{"name": "tab\there", "pdq": CROP80}]),  # 10: control character
        _line([{"name": "original", "pdq": CROP80}]),  # 11: reserved
        _line([{"pdq": CROP80}]),  # 12: no name
        _line([]),  # 13: empty list: no variants
        json.dumps({"signal_type": "pdq", "value": CROP70}),  # 14: no key: no variants
    ]
    parsed = list(read_entries(io.BytesIO("\n".join(lines).encode()), "jsonl"))
    entries = {p.line_no: p.entry for p in parsed if isinstance(p, ParsedEntry)}
    errors = {p.line_no: p for p in parsed if isinstance(p, LineError)}
    assert sorted(entries) == [1, 13, 14]
    assert entries[1].variants == (("crop(center,80%)", CROP80),)
    assert entries[13].variants == () and entries[14].variants == ()
    messages = {n: e.message for n, e in errors.items()}
    assert sorted(messages) == list(range(2, 13))
    assert messages[2] == "line 2: variants[0].pdq: pdq hash must be 64 hex characters"
    assert errors[2].error.code == "invalid_hash"
    assert "only for pdq entries, not md5" in messages[3]
    assert f"at most {MAX_VARIANTS} variants per entry; found {MAX_VARIANTS + 1}" in messages[4]
    assert "variants[1].name repeats 'a'" in messages[5]
    assert "must be a list" in messages[6]
    assert "variants[0] must be an object" in messages[7]
    assert "may not contain '@'" in messages[8]
    assert "longer than 64 characters" in messages[9]
    assert "unprintable characters" in messages[10]
    assert "may not be 'original'" in messages[11]
    assert "variants[0].name must be a string" in messages[12]
    for n in range(3, 13):
        assert errors[n].error.code == "invalid_record"


def test_writer_refuses_variants_it_could_not_read_back() -> None:
    with pytest.raises(InvalidRecordError, match="only for pdq entries"):
        write_entries(
            [NewEntry(HashKind.MD5, "a" * 32, variants=(("x", CROP80),))], io.StringIO(), "jsonl"
        )
    with pytest.raises(InvalidHashError, match=r"variants\[0\]\.pdq"):
        write_entries(
            [NewEntry(HashKind.PDQ, PDQ, variants=(("x", "zz"),))], io.StringIO(), "jsonl"
        )


def test_parse_variants_ignores_extra_keys_of_an_item() -> None:
    raw = [{"name": "crop(center,90%)", "pdq": CROP80, "quality": 87}]
    assert parse_variants(raw, signal_type="pdq") == (("crop(center,90%)", CROP80),)
