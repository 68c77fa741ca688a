"""Every way of tampering with a trail is caught, and the report names where."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from audit_fixtures import Trail, build_trail

from shieldwall.audit import (
    AuditEvent,
    ChainHead,
    CheckpointSigner,
    ProblemKind,
    build_event,
    compute_hash,
    verify_chain,
)


def _verify(trail: Trail, events: list[AuditEvent] | None = None):  # type: ignore[no-untyped-def]
    return verify_chain(
        trail.events if events is None else events, trail.checkpoints, trail.public_keys
    )


def _rehash(event: AuditEvent, **changes: object) -> AuditEvent:
    """The edit a careful forger makes: change fields and recompute the event's own hash."""
    edited = dataclasses.replace(event, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(edited, hash=compute_hash(edited))


def test_untouched_trail_verifies_with_counts(trail: Trail) -> None:
    report = _verify(trail)
    assert report.ok, report.summary()
    assert report.events_checked == 300
    assert report.first_seq == 1
    assert report.head == trail.events[-1].head
    assert (report.checkpoints_checked, report.checkpoints_valid) == (6, 6)
    assert report.last_valid_checkpoint_seq == 300
    assert report.first_problem is None
    assert report.summary().startswith("OK: 300 events (seq 1..300), 6/6 checkpoints valid")


def test_edited_detail_is_named(trail: Trail) -> None:
    victim = trail.events[136]
    details = dict(victim.details)
    details["n"] = 999
    trail.events[136] = dataclasses.replace(victim, details=details)

    report = _verify(trail)

    assert not report.ok
    first = report.first_problem
    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.HASH_MISMATCH,
        137,
        victim.event_id,
    )
    assert first.position == 136
    assert report.problem_count == 1
    assert "seq 137" in report.summary()


def test_edited_timestamp_is_named(trail: Trail) -> None:
    victim = trail.events[41]
    # One microsecond is enough: "how fast" is exactly what a regulator asks.
    trail.events[41] = dataclasses.replace(victim, at=victim.at + timedelta(microseconds=1))

    first = _verify(trail).first_problem

    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.HASH_MISMATCH,
        42,
        victim.event_id,
    )


def test_changed_actor_kind_is_detected(trail: Trail) -> None:
    # Passing off an automated decision as a human one (or back) must not go unnoticed.
    victim = trail.events[0]
    trail.events[0] = dataclasses.replace(victim, actor_kind="human")  # type: ignore[arg-type]
    first = _verify(trail).first_problem
    assert first is not None
    assert (first.kind, first.seq) == (ProblemKind.HASH_MISMATCH, 1)


def test_deleted_event_names_the_event_after_the_gap(trail: Trail) -> None:
    del trail.events[69]  # seq 70

    report = _verify(trail)

    first = report.first_problem
    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.SEQ_GAP,
        71,
        trail.events[69].event_id,
    )
    assert "seq 70 missing" in first.message
    # One deletion is one problem, not one per following event.
    assert report.problem_count == 1


def test_deleted_first_event_is_detected(trail: Trail) -> None:
    del trail.events[0]
    first = _verify(trail).first_problem
    assert first is not None
    assert (first.kind, first.seq) == (ProblemKind.SEQ_GAP, 2)


def test_deleted_and_renumbered_tail_is_caught_by_the_next_checkpoint(trail: Trail) -> None:
    # The forger deletes seq 120 and rewrites everything after it consistently.
    events = trail.events[:119]
    prev = events[-1]
    for original in trail.events[120:]:
        forged = _rehash(original, seq=prev.seq + 1, prev_hash=prev.hash)
        events.append(forged)
        prev = forged

    report = _verify(trail, events)

    first = report.first_problem
    assert first is not None
    # The chain itself is consistent again; the signed checkpoint at 150 is not fooled.
    assert (first.kind, first.seq) == (ProblemKind.CHECKPOINT_MISMATCH, 150)
    # 150, 200 and 250 disagree; the trail now ends at 299, short of the checkpoint at 300.
    assert report.counts == {ProblemKind.CHECKPOINT_MISMATCH: 3, ProblemKind.TRUNCATED: 1}
    assert report.checkpoints_valid == 2  # 50 and 100 still hold


def test_inserted_forged_event_with_its_own_hash_recomputed(trail: Trail) -> None:
    before = trail.events[199]  # seq 200
    forged = build_event(
        before,
        actor="reviewer:amira",
        actor_kind="human",
        action="decision.made",
        subject_type="content",
        subject_id="content-00200",
        details={"outcome": "allow", "note": "nothing to see"},
        at=before.at + timedelta(seconds=1),
    ).event
    assert forged.seq == 201 and forged.hash == compute_hash(forged)
    trail.events.insert(200, forged)

    report = _verify(trail)

    first = report.first_problem
    assert first is not None
    original_201 = trail.events[201]
    # The forged event links perfectly; the chain breaks at the genuine seq 201 behind it.
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.SEQ_NOT_INCREASING,
        201,
        original_201.event_id,
    )
    assert first.position == 201
    assert "prev_hash does not link" in first.message


def test_inserted_event_before_a_checkpoint_is_named_by_the_checkpoint(trail: Trail) -> None:
    before = trail.events[98]  # seq 99; a checkpoint signs seq 100
    forged = build_event(
        before, actor="intruder", actor_kind="human", action="bank.entry_removed"
    ).event
    trail.events.insert(99, forged)

    problems = _verify(trail).problems

    # The forged seq 100 is the event the signed checkpoint disowns.
    assert (problems[0].kind, problems[0].seq, problems[0].event_id) == (
        ProblemKind.CHECKPOINT_MISMATCH,
        100,
        forged.event_id,
    )


def test_swapped_events_are_detected_at_the_first_out_of_place(trail: Trail) -> None:
    a, b = trail.events[10], trail.events[11]  # seq 11 and 12
    trail.events[10], trail.events[11] = b, a

    report = _verify(trail)

    first = report.first_problem
    assert first is not None
    assert (first.kind, first.seq, first.event_id, first.position) == (
        ProblemKind.SEQ_GAP,
        12,
        b.event_id,
        10,
    )
    assert report.problems[1].kind is ProblemKind.SEQ_NOT_INCREASING
    assert report.problems[1].event_id == a.event_id


def test_swapped_contents_keeping_seq_numbers_is_a_hash_mismatch(trail: Trail) -> None:
    # Swapping two rows' payloads while leaving the seq column in order.
    a, b = trail.events[30], trail.events[31]
    trail.events[30] = dataclasses.replace(b, seq=a.seq)
    trail.events[31] = dataclasses.replace(a, seq=b.seq)
    first = _verify(trail).first_problem
    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.HASH_MISMATCH,
        31,
        b.event_id,
    )


def test_edit_with_recomputed_hash_breaks_the_next_link(trail: Trail) -> None:
    victim = trail.events[9]
    trail.events[9] = _rehash(victim, actor="someone-else")

    first = _verify(trail).first_problem

    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (
        ProblemKind.BROKEN_LINK,
        11,
        trail.events[10].event_id,
    )


def test_truncated_tail_after_a_checkpoint_is_detected(trail: Trail) -> None:
    events = trail.events[:263]  # checkpoints exist for 50..300; the last 37 events are cut

    report = _verify(trail, events)

    first = report.first_problem
    assert first is not None
    assert (first.kind, first.seq, first.event_id) == (ProblemKind.TRUNCATED, 264, None)
    assert "up to seq 300" in first.message
    assert report.checkpoints_valid == 5


def test_truncation_after_the_last_checkpoint_is_invisible_without_one() -> None:
    # The documented limit: a cut after the last checkpoint leaves a consistent chain.
    trail = build_trail(120, every=50)
    assert verify_chain(trail.events[:110], trail.checkpoints, trail.public_keys).ok
    # ... which is why the builder can sign one on demand, e.g. at shutdown.
    cp = trail.chain.checkpoint()
    assert cp.seq == 120
    report = verify_chain(trail.events[:110], trail.chain.checkpoints, trail.public_keys)
    assert report.first_problem is not None
    assert report.first_problem.kind is ProblemKind.TRUNCATED


def test_checkpoint_signed_by_another_key_fails(trail: Trail) -> None:
    intruder = CheckpointSigner.generate()
    bogus = intruder.sign(trail.events[149])

    report = verify_chain(trail.events, [*trail.checkpoints, bogus], trail.public_keys)

    assert not report.ok
    assert report.counts == {ProblemKind.CHECKPOINT_UNKNOWN_KEY: 1}
    assert report.first_problem is not None
    assert report.first_problem.seq == 150
    assert "checkpoint_unknown_key at seq 150:" in report.summary()


def test_checkpoint_with_a_forged_key_id_fails_its_signature(trail: Trail) -> None:
    intruder = CheckpointSigner.generate()
    bogus = dataclasses.replace(intruder.sign(trail.events[149]), key_id=trail.signer.key_id)
    report = verify_chain(trail.events, [bogus], trail.public_keys)
    assert report.counts == {ProblemKind.CHECKPOINT_BAD_SIGNATURE: 1}


def test_checkpoints_without_trusted_keys_do_not_pass(trail: Trail) -> None:
    report = verify_chain(trail.events, trail.checkpoints, public_keys=())
    assert report.counts == {ProblemKind.CHECKPOINT_UNKNOWN_KEY: 6}


def test_checkpoint_naming_a_deleted_event(trail: Trail) -> None:
    del trail.events[49]  # seq 50 carries a checkpoint
    report = _verify(trail)
    assert [p.kind for p in report.problems] == [
        ProblemKind.SEQ_GAP,
        ProblemKind.CHECKPOINT_EVENT_MISSING,
    ]


def test_verification_can_start_from_a_trusted_head(trail: Trail) -> None:
    anchor = trail.events[99]
    tail = trail.events[100:]
    assert verify_chain(tail, trail.checkpoints, trail.public_keys, after=anchor.head).ok
    wrong = ChainHead(anchor.seq, "f" * 64)
    first = verify_chain(tail, (), after=wrong).first_problem
    assert first is not None
    assert (first.kind, first.seq) == (ProblemKind.BROKEN_LINK, 101)


def test_problem_list_is_bounded_but_counts_are_complete(trail: Trail) -> None:
    broken = [dataclasses.replace(e, actor="x") for e in trail.events]
    report = verify_chain(broken, max_problems=5)
    assert len(report.problems) == 5
    assert report.problem_count == 300
    assert report.to_dict()["counts"] == {"hash_mismatch": 300}


def test_malformed_event_is_reported_not_raised(trail: Trail) -> None:
    trail.events[5] = dataclasses.replace(trail.events[5], prev_hash="not hex")
    trail.events[9] = dataclasses.replace(trail.events[9], seq="10")  # type: ignore[arg-type]
    report = _verify(trail)
    assert [(p.kind, p.position) for p in report.problems] == [
        (ProblemKind.MALFORMED, 5),
        (ProblemKind.MALFORMED, 9),
    ]


def test_empty_trail_verifies_and_says_so() -> None:
    report = verify_chain([])
    assert report.ok and report.events_checked == 0 and report.head is None
    assert "no events" in report.summary()
