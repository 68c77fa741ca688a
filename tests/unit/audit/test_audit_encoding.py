"""The canonical encoding is exactly what docs/audit.md says, so auditors can re-implement it."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from audit_fixtures import Trail

from shieldwall.audit import (
    GENESIS_HASH,
    build_event,
    canonical_bytes,
    canonical_json,
    dump_checkpoints,
    dump_events,
)
from shieldwall.audit.canonical import format_at, parse_at

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"


def _vector():  # type: ignore[no-untyped-def]
    first = build_event(
        None,
        actor="reviewer:amira",
        actor_kind="human",
        action="decision.made",
        subject_type="content",
        subject_id="c-42",
        details={
            "outcome": "block",
            "score": 0.97,
            "rules": ["victim_bank_exact"],
            "note": "café",
            "appeal": None,
            "distance": 3,
            "uploader_id": "user-81723",
        },
        personal_fields=["uploader_id"],
        at=datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
        event_id="3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f",
        salt_source=lambda n: bytes(range(n)),
    )
    second = build_event(
        first.event,
        actor="worker",
        actor_kind="system",
        action="action.delivered",
        subject_type="action",
        subject_id="a-7",
        details={"status": 200},
        at=datetime(2025, 3, 1, 9, 0, 1, 5, tzinfo=UTC),
        event_id="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    )
    return first, second


def test_known_answer_vector_matches_the_documentation() -> None:
    first, second = _vector()
    doc = DOC.read_text(encoding="utf-8")
    line = canonical_bytes(first.event).decode("utf-8")
    assert line in doc.splitlines()
    assert first.event.hash == "4739ef857c72ec8928fcdc47e6bd066db873918d6a4bb9145942fefdabd004b2"
    assert first.event.hash in doc
    assert hashlib.sha256(bytes(32) + line.encode()).hexdigest() == first.event.hash
    digest = first.event.details["uploader_id"]["digest"]  # type: ignore[index, call-overload]
    assert digest in doc
    assert second.event.prev_hash == first.event.hash
    assert second.event.hash == "35ab57f59887d8931352e12c527c000f18acd420c5e6b60be6b2b9712c752226"
    assert second.event.hash in doc


def test_reference_verifier_in_the_docs_agrees(trail: Trail, tmp_path: Path) -> None:
    block = re.search(
        r"<!-- reference-verifier:start -->\s*```python\n(.*?)```", DOC.read_text("utf-8"), re.S
    )
    assert block is not None
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)
    verify_file = namespace["verify_file"]

    events, cps = tmp_path / "events.jsonl", tmp_path / "checkpoints.jsonl"
    with events.open("w", encoding="utf-8") as fh:
        dump_events(trail.events, fh)
    with cps.open("w", encoding="utf-8") as fh:
        dump_checkpoints(trail.checkpoints, fh)
    pem = trail.signer.export_public_key()
    assert verify_file(events, cps, pem) is None  # type: ignore[operator]

    lines = events.read_text("utf-8").splitlines(keepends=True)
    lines[76] = lines[76].replace('"n":76', '"n":77')
    events.write_text("".join(lines), "utf-8")
    assert verify_file(events, cps, pem) == (  # type: ignore[operator]
        f"seq 77 ({trail.events[76].event_id}): edited"
    )

    with events.open("w", encoding="utf-8") as fh:
        dump_events(trail.events[:280], fh)
    assert "checkpoint at seq 300" in verify_file(events, cps, pem)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": [True, False, None]}, '{"a":[true,false,null],"b":1}'),
        ({"x": None}, '{"x":null}'),
        ({}, "{}"),
        ("café ✓ 😀", '"café ✓ 😀"'),
        ('q"b\\s', '"q\\"b\\\\s"'),
        ("\n\t\x01\x7f\u2028", '"\\n\\t\\u0001\x7f\u2028"'),
        (0.97, "0.97"),
        (2.0, "2.0"),
        (-0.0, "-0.0"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.5e-7, "1.5e-07"),
        (1e16, "1e+16"),
        (9999999999999998.0, "9999999999999998.0"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-(2**53 - 1), "-9007199254740991"),
        ((1, "a"), '[1,"a"]'),
    ],
)
def test_canonical_json_rules(value: object, text: str) -> None:
    assert canonical_json(value) == text.encode("utf-8")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), b"x", {"s": {1, 2}}, "\udc80"])
def test_canonical_json_refuses_values_without_an_exact_encoding(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        canonical_json(bad)


def test_null_and_absent_keys_hash_differently() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    eid = "00000000-0000-4000-8000-000000000000"
    common = {"actor": "a", "actor_kind": "system", "action": "config.changed", "at": at}
    absent = build_event(None, **common, details={}, event_id=eid).event  # type: ignore[arg-type]
    null = build_event(None, **common, details={"k": None}, event_id=eid).event  # type: ignore[arg-type]
    assert absent.hash != null.hash


def test_timestamps_are_utc_with_microseconds() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_at(datetime(2025, 6, 1, 14, 0, tzinfo=plus_two)) == "2025-06-01T12:00:00.000000Z"
    assert format_at(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02T03:04:05.000006Z"
    at = datetime(2025, 6, 1, 12, 0, 0, 7, tzinfo=UTC)
    assert parse_at(format_at(at)) == at
    for bad in ("2025-06-01T12:00:00Z", "2025-06-01T12:00:00.000000+00:00", "2025-06-01"):
        with pytest.raises(ValueError):
            parse_at(bad)
    with pytest.raises(ValueError):
        format_at(datetime(2025, 1, 1))


def test_export_lines_are_canonical_and_start_from_genesis(trail: Trail) -> None:
    buf = io.StringIO()
    assert dump_events(trail.events[:4], buf) == 4
    lines = buf.getvalue().splitlines()
    assert len(lines) == 4
    assert f'"prev_hash":"{GENESIS_HASH}"' in lines[0]
    assert lines[0].startswith('{"action":"decision.made","actor":"rule:victim-bank-match"')
    assert "café résumé ✓" in buf.getvalue()  # non-ASCII written as itself
