"""Properties: no single-byte change, deletion or swap slips through; guarded details round-trip."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from audit_fixtures import build_trail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldwall.audit import (
    AuditEvent,
    ProblemKind,
    build_event,
    canonical_bytes,
    canonical_json,
    dump_events,
    load_events,
    verify_chain,
)
from shieldwall.errors import InvalidRecordError

# Two rounds of every kind of event in the fixture script, personal fields included,
# with a checkpoint over the last event so even the tail is covered.
TRAIL = build_trail(14, every=5)
TRAIL.chain.checkpoint()
CHECKPOINTS = tuple(TRAIL.chain.checkpoints)
KEYS = TRAIL.public_keys


def _lines() -> list[bytes]:
    buf = io.StringIO()
    dump_events(TRAIL.events, buf)
    return [line.encode("utf-8") for line in buf.getvalue().splitlines(keepends=True)]


LINES = _lines()


def _verify(events: list[AuditEvent]):  # type: ignore[no-untyped-def]
    return verify_chain(events, CHECKPOINTS, KEYS)


def test_the_untouched_trail_verifies() -> None:
    assert _verify(TRAIL.events).ok
    assert [cp.seq for cp in CHECKPOINTS] == [5, 10, 14]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_in_an_exported_event_is_detected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(LINES) - 1), label="event")
    line = LINES[index]
    # Any byte of the line but the newline: every field, its key, the JSON punctuation, the hash.
    position = data.draw(st.integers(0, len(line) - 2), label="position")
    new_byte = data.draw(st.integers(0, 255).filter(lambda b: b != line[position]), label="byte")
    mutated = line[:position] + bytes([new_byte]) + line[position + 1 :]
    lines = [*LINES[:index], mutated, *LINES[index + 1 :]]

    try:
        events = list(load_events(b.decode("utf-8") for b in lines))
    except (UnicodeDecodeError, InvalidRecordError):
        return  # refused on reading: detected, with the line number

    changed = events[index]
    if canonical_bytes(changed) == canonical_bytes(TRAIL.events[index]) and (
        changed.hash == TRAIL.events[index].hash
    ):
        # Another spelling of the same JSON value (e.g. 0.0 as 0e0): nothing committed changed.
        assert _verify(events).ok
        return
    report = _verify(events)
    assert not report.ok
    first = report.first_problem
    assert first is not None
    assert first.position == index, report.summary()
    assert first.kind is ProblemKind.HASH_MISMATCH


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(TRAIL.events) - 1))
def test_deleting_any_event_is_detected_where_it_was(index: int) -> None:
    events = [e for i, e in enumerate(TRAIL.events) if i != index]
    report = _verify(events)
    first = report.first_problem
    assert first is not None
    if index == len(TRAIL.events) - 1:
        assert first.kind is ProblemKind.TRUNCATED  # only the last checkpoint can tell
    else:
        assert first.position == index
        assert first.seq == index + 2


@settings(max_examples=60, deadline=None)
@given(pair=st.lists(st.integers(0, len(TRAIL.events) - 1), min_size=2, max_size=2, unique=True))
def test_swapping_any_two_events_is_detected_at_the_first(pair: list[int]) -> None:
    i, j = sorted(pair)
    events = list(TRAIL.events)
    events[i], events[j] = events[j], events[i]
    first = _verify(events).first_problem
    assert first is not None
    assert first.position == i
    assert first.event_id == TRAIL.events[j].event_id


_keys = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,10}\Z").filter(
    lambda k: (
        not any(s in k.lower() for s in ("secret", "passw", "token", "cookie", "credential"))
        and "key" not in k.lower()
    )
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(details=st.dictionaries(_keys, _values, max_size=6))
def test_any_guarded_details_round_trip_and_verify(details: dict[str, object]) -> None:
    event = build_event(
        None,
        actor="rule:x",
        actor_kind="automated",
        action="decision.made",
        details=details,
        at=datetime(2025, 1, 1, tzinfo=UTC),
    ).event
    buf = io.StringIO()
    dump_events([event], buf)
    (loaded,) = load_events(io.StringIO(buf.getvalue()))
    assert canonical_bytes(loaded) == canonical_bytes(event)
    assert verify_chain([loaded]).ok


_names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda s: s.strip()
) | st.sampled_from(['"details":null', 'x","details":null,"y', "\\", '"'])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    details=st.dictionaries(_keys, _values, max_size=6),
    actor=_names,
    subject=_names,
    personal=st.booleans(),
)
def test_a_built_event_hashes_exactly_as_the_verifier_encodes_it(
    details: dict[str, object], actor: str, subject: str, personal: bool
) -> None:
    """The builder hashes its details' encoding spliced among the other fields (it never
    re-encodes them); the verifier encodes the whole event. Both must give the same bytes,
    whatever the actor and subject hold (quotes, the splice marker itself, any script)."""
    if personal:
        details = {**details, "uploader": subject}
    record = build_event(
        None,
        actor=actor,
        actor_kind="human",
        action="case.noted",
        subject_type="case",
        subject_id=subject,
        details=details,
        personal_fields=("uploader",) if personal else (),
    )
    event = record.event
    assert record.details_text.encode("utf-8") == canonical_json(event.details)
    assert canonical_bytes(event, record.details_text) == canonical_bytes(event)
    assert verify_chain([event]).ok
