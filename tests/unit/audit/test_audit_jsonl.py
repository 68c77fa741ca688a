"""JSON Lines export and import: lossless, streaming and strict."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from audit_fixtures import Trail

from shieldwall.audit import (
    dump_checkpoints,
    dump_events,
    load_checkpoints,
    load_events,
    verify_chain,
)
from shieldwall.errors import InvalidRecordError


def _dump(trail: Trail) -> list[str]:
    buf = io.StringIO()
    dump_events(trail.events, buf)
    return buf.getvalue().splitlines(keepends=True)


def test_events_and_checkpoints_round_trip_through_files(trail: Trail, tmp_path: Path) -> None:
    events, cps = tmp_path / "events.jsonl", tmp_path / "cps.jsonl"
    with events.open("w", encoding="utf-8") as fh:
        assert dump_events(trail.events, fh) == 300
    with cps.open("w", encoding="utf-8") as fh:
        assert dump_checkpoints(trail.checkpoints, fh) == 6

    with events.open(encoding="utf-8") as ev, cps.open(encoding="utf-8") as cp:
        loaded_cps = list(load_checkpoints(cp))
        report = verify_chain(load_events(ev), loaded_cps, trail.public_keys)
    assert report.ok, report.summary()
    assert loaded_cps == trail.checkpoints
    with events.open(encoding="utf-8") as ev:
        assert list(load_events(ev)) == trail.events


def test_loading_is_lazy(trail: Trail) -> None:
    lines = _dump(trail)
    lines[5] = "garbage\n"
    stream = load_events(lines)
    assert next(stream).seq == 1  # nothing read past what was asked for
    with pytest.raises(InvalidRecordError, match="line 6"):
        list(stream)


def test_blank_lines_are_skipped(trail: Trail) -> None:
    lines = _dump(trail)[:3]
    assert [e.seq for e in load_events(["\n", *lines, "   \n"])] == [1, 2, 3]


def _mutate(line: str, **changes: object) -> str:
    data = json.loads(line)
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"v": 2}, "version"),
        ({"extra": 1}, "unexpected"),
        ({"actor": KeyError}, "missing"),
        ({"seq": "1"}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": 0}, "seq"),
        ({"hash": "ABC"}, "hash"),
        ({"prev_hash": "0" * 63}, "prev_hash"),
        ({"at": "2025-03-01T09:00:00Z"}, "timestamp"),
        ({"actor_kind": "robot"}, "robot"),
        ({"details": []}, "details"),
        ({"subject_id": 5}, "subject_id"),
        ({"actor": None}, "actor"),
    ],
)
def test_malformed_event_lines_are_refused_with_the_line_number(
    trail: Trail, changes: dict[str, object], fragment: str
) -> None:
    lines = _dump(trail)[:4]
    lines[2] = _mutate(lines[2], **changes)
    with pytest.raises(InvalidRecordError, match=f"line 3.*{fragment}") as info:
        list(load_events(lines))
    assert info.value.code == "invalid_record"


def test_duplicate_keys_and_nan_are_refused(trail: Trail) -> None:
    line = _dump(trail)[0]
    duplicated = line.replace('{"action":', '{"actor":"someone-else","action":', 1)
    with pytest.raises(InvalidRecordError, match="duplicate"):
        list(load_events([duplicated]))
    with pytest.raises(InvalidRecordError, match="NaN"):
        list(load_events([line.replace('"n":0', '"n":NaN')]))
    with pytest.raises(InvalidRecordError, match="object"):
        list(load_events(["[1, 2]"]))


def test_malformed_checkpoint_lines_are_refused(trail: Trail) -> None:
    buf = io.StringIO()
    dump_checkpoints(trail.checkpoints[:2], buf)
    lines = buf.getvalue().splitlines()
    for changes in ({"seq": -1}, {"head_hash": "x"}, {"v": 9}, {"signature": 5}):
        bad = _mutate(lines[1], **changes)
        with pytest.raises(InvalidRecordError, match="line 2"):
            list(load_checkpoints([lines[0], bad]))
