"""Verification streams: one pass over a one-shot iterator, memory flat in the trail length."""

from __future__ import annotations

import dataclasses
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from shieldwall.audit import AuditEvent, build_event, verify_chain

T = datetime(2025, 1, 1, tzinfo=UTC)


def _lazy_trail(n: int, *, edit_at: int | None = None) -> Iterator[AuditEvent]:
    """Events made on demand, so only the verifier could be holding on to them."""
    prev = None
    for i in range(n):
        prev = build_event(
            prev,
            actor="worker",
            actor_kind="system",
            action="action.delivered",
            details={"i": i},
            at=T + timedelta(seconds=i),
        ).event
        if i == edit_at:
            yield dataclasses.replace(prev, actor="intruder")
        else:
            yield prev


def _peak_bytes(n: int) -> int:
    tracemalloc.start()
    try:
        report = verify_chain(_lazy_trail(n))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok and report.events_checked == n
    return peak


def test_memory_does_not_grow_with_the_number_of_events() -> None:
    small, large = _peak_bytes(300), _peak_bytes(3000)
    # Ten times the events; a verifier that kept them would need ~10x the memory.
    assert large < 2 * small + 64 * 1024, (small, large)


def test_one_shot_iterator_is_read_once_and_the_edit_is_named() -> None:
    report = verify_chain(_lazy_trail(500, edit_at=321))
    assert report.events_checked == 500
    first = report.first_problem
    assert first is not None
    assert (first.seq, first.position) == (322, 321)
