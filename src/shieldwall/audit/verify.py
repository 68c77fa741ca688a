"""Verification of an audit trail: one streaming pass, constant memory.

:func:`verify_chain` reads events in the order they are stored (by ``seq``)
and holds only the previous event's seq and hash, the checkpoints, and the
first few problems, so it verifies millions of events in a few megabytes.

What each check catches:

- ``hash_mismatch``: the event's fields were edited after it was chained
  (a detail, a timestamp, the actor...), or its own hash was replaced.
- ``seq_gap``: events are missing before this one (deleted), or this one was
  moved later.
- ``seq_not_increasing``: a duplicate seq (an inserted event) or an event moved
  earlier.
- ``broken_link``: ``prev_hash`` is not the hash of the event before; an
  edit whose own hash was recomputed shows up here, on the *next* event.
- ``malformed``: the event cannot even be encoded (wrong types, bad hex).
- ``checkpoint_*`` and ``truncated``: a signed checkpoint disagrees with the
  events, its signature or key is wrong, or it names an event past the end of
  the trail (the tail was cut off).

Each event yields at most one problem (the most telling check that failed);
after a problem the pass re-anchors on the event as stored, so one deletion is
reported once, not once per following event.

Limits: a chain rewritten wholesale after the point of an edit, or a tail cut
after the last checkpoint, is internally consistent and is caught only by a
checkpoint. Sign checkpoints often and keep them outside the database.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shieldwall.audit.checkpoints import (
    Checkpoint,
    key_id_of,
    load_public_key,
    verify_checkpoint,
)
from shieldwall.audit.events import AuditEvent, ChainHead, compute_hash


class ProblemKind(enum.StrEnum):
    """What went wrong at one point of the trail (the values are stable, for JSON output)."""

    MALFORMED = "malformed"
    HASH_MISMATCH = "hash_mismatch"
    SEQ_GAP = "seq_gap"
    SEQ_NOT_INCREASING = "seq_not_increasing"
    BROKEN_LINK = "broken_link"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_BAD_SIGNATURE = "checkpoint_bad_signature"
    CHECKPOINT_UNKNOWN_KEY = "checkpoint_unknown_key"
    CHECKPOINT_EVENT_MISSING = "checkpoint_event_missing"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed check. ``position`` is the 0-based index in the event stream.

    ``seq`` and ``event_id`` name the event where the problem shows; for
    ``truncated`` they name the first missing seq and no event id.
    """

    kind: ProblemKind
    seq: int | None
    event_id: str | None
    position: int | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "seq": self.seq,
            "event_id": self.event_id,
            "position": self.position,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The outcome of :func:`verify_chain`.

    ``problems`` keeps the first ``max_problems`` in stream order;
    ``problem_count`` and ``counts`` cover all of them.
    """

    events_checked: int
    first_seq: int | None
    head: ChainHead | None
    checkpoints_checked: int
    checkpoints_valid: int
    last_valid_checkpoint_seq: int | None
    problem_count: int
    counts: Mapping[ProblemKind, int] = field(hash=False)
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        """One line a person can read, naming the first problem when there is one."""
        span = (
            f"seq {self.first_seq}..{self.head.seq}"
            if self.head is not None and self.first_seq is not None
            else "no events"
        )
        base = (
            f"{self.events_checked} events ({span}), "
            f"{self.checkpoints_valid}/{self.checkpoints_checked} checkpoints valid"
        )
        first = self.first_problem
        if first is None:
            return f"OK: {base}"
        where = f"seq {first.seq}" + ("" if first.event_id is None else f" ({first.event_id})")
        return (
            f"FAILED: {self.problem_count} problem(s) in {base}; "
            f"first: {first.kind} at {where}: {first.message}"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "first_seq": self.first_seq,
            "last_seq": None if self.head is None else self.head.seq,
            "head_hash": None if self.head is None else self.head.hash,
            "checkpoints_checked": self.checkpoints_checked,
            "checkpoints_valid": self.checkpoints_valid,
            "last_valid_checkpoint_seq": self.last_valid_checkpoint_seq,
            "problem_count": self.problem_count,
            "counts": {str(k): v for k, v in self.counts.items()},
            "problems": [p.to_dict() for p in self.problems],
        }


def _key_map(
    public_keys: Iterable[Ed25519PublicKey | bytes | str],
) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for item in public_keys:
        key = item if isinstance(item, Ed25519PublicKey) else load_public_key(item)
        keys[key_id_of(key)] = key
    return keys


def _check_event(
    event: AuditEvent, expected_seq: int, prev_hash: str
) -> tuple[ProblemKind, str] | None:
    """The most telling problem with ``event`` given what came before, or None."""
    if not isinstance(event.seq, int) or isinstance(event.seq, bool):
        return ProblemKind.MALFORMED, f"seq must be an integer, not {type(event.seq).__name__}"
    try:
        actual = compute_hash(event)
    except (ValueError, TypeError, AttributeError) as exc:
        return ProblemKind.MALFORMED, f"event cannot be encoded: {exc}"
    if actual != event.hash:
        return ProblemKind.HASH_MISMATCH, (
            "stored hash does not match the event's contents: the event was edited"
        )
    link_note = "" if event.prev_hash == prev_hash else "; prev_hash does not link to it either"
    if event.seq > expected_seq:
        missing = (
            f"seq {expected_seq}"
            if event.seq == expected_seq + 1
            else f"seq {expected_seq}..{event.seq - 1}"
        )
        return ProblemKind.SEQ_GAP, (
            f"expected seq {expected_seq}: {missing} missing or out of order{link_note}"
        )
    if event.seq < expected_seq:
        return ProblemKind.SEQ_NOT_INCREASING, (
            f"expected seq {expected_seq}: seq {event.seq} repeats or goes back "
            f"(inserted or reordered event){link_note}"
        )
    if link_note:
        return ProblemKind.BROKEN_LINK, (
            "prev_hash is not the hash of the previous event: an event before it was "
            "replaced, inserted or removed"
        )
    return None


def verify_chain(
    events: Iterable[AuditEvent],
    checkpoints: Iterable[Checkpoint] = (),
    public_keys: Iterable[Ed25519PublicKey | bytes | str] = (),
    *,
    after: ChainHead | None = None,
    max_problems: int = 100,
) -> VerificationReport:
    """Check an audit trail streamed in seq order, with its signed checkpoints.

    ``public_keys`` are the checkpoint keys to trust (objects or PEM); a
    checkpoint signed by any other key is a problem. ``after`` starts the
    check in the middle of a trail, from a head already trusted (for example
    a verified checkpoint); the default is the genesis. Checkpoints at or
    before ``after`` are ignored. Memory is constant in the number of events
    (checkpoints are held in memory: one per N events).
    """
    start = ChainHead.genesis() if after is None else after
    keys = _key_map(public_keys)
    pending = sorted((c for c in checkpoints if c.seq > start.seq), key=lambda c: c.seq)
    problems: list[Problem] = []
    counts: Counter[ProblemKind] = Counter()
    checked = valid = 0
    last_valid_cp: int | None = None

    def record(
        kind: ProblemKind, seq: int | None, eid: str | None, pos: int | None, msg: str
    ) -> None:
        counts[kind] += 1
        if len(problems) < max_problems:
            problems.append(Problem(kind, seq, eid, pos, msg))

    def check_signature(cp: Checkpoint) -> bool:
        key = keys.get(cp.key_id)
        if key is None:
            record(
                ProblemKind.CHECKPOINT_UNKNOWN_KEY,
                cp.seq,
                None,
                None,
                f"checkpoint at seq {cp.seq} is signed by key {cp.key_id!r}, "
                "which is not among the trusted keys",
            )
            return False
        if not verify_checkpoint(cp, key):
            record(
                ProblemKind.CHECKPOINT_BAD_SIGNATURE,
                cp.seq,
                None,
                None,
                f"checkpoint at seq {cp.seq} has an invalid signature for key {cp.key_id!r}",
            )
            return False
        return True

    expected_seq, prev_hash = start.seq + 1, start.hash
    count = 0
    first_seq: int | None = None
    last: AuditEvent | None = None
    ci = 0
    for position, event in enumerate(events):
        count += 1
        if first_seq is None and isinstance(event.seq, int):
            first_seq = event.seq
        found = _check_event(event, expected_seq, prev_hash)
        if found is not None:
            record(found[0], event.seq, event.event_id, position, found[1])
        if not isinstance(event.seq, int):
            # Assume it stands where it should, so the events after it are judged on their own.
            expected_seq, prev_hash = expected_seq + 1, str(event.hash)
            continue

        # Checkpoints whose seq the stream has passed without showing that event.
        while ci < len(pending) and pending[ci].seq < event.seq:
            cp = pending[ci]
            checked += 1
            if check_signature(cp):
                record(
                    ProblemKind.CHECKPOINT_EVENT_MISSING,
                    cp.seq,
                    None,
                    position,
                    f"signed checkpoint names seq {cp.seq}, which is not in the trail",
                )
            ci += 1
        while ci < len(pending) and pending[ci].seq == event.seq:
            cp = pending[ci]
            checked += 1
            if check_signature(cp):
                if cp.head_hash == event.hash:
                    valid += 1
                    last_valid_cp = cp.seq
                else:
                    record(
                        ProblemKind.CHECKPOINT_MISMATCH,
                        event.seq,
                        event.event_id,
                        position,
                        f"signed checkpoint says seq {cp.seq} had hash {cp.head_hash[:16]}…, "
                        f"the trail has {event.hash[:16]}…: this event or one before it was "
                        "replaced",
                    )
            ci += 1

        # Re-anchor on the event as stored so one fault is reported once.
        expected_seq, prev_hash = event.seq + 1, event.hash
        last = event

    end_seq = start.seq if last is None else last.seq
    for cp in pending[ci:]:
        checked += 1
        if check_signature(cp):
            record(
                ProblemKind.TRUNCATED,
                end_seq + 1,
                None,
                None,
                f"signed checkpoint proves events up to seq {cp.seq} existed; "
                f"the trail ends at seq {end_seq}",
            )

    return VerificationReport(
        events_checked=count,
        first_seq=first_seq,
        head=None if last is None else last.head,
        checkpoints_checked=checked,
        checkpoints_valid=valid,
        last_valid_checkpoint_seq=last_valid_cp,
        problem_count=sum(counts.values()),
        counts=dict(counts),
        problems=tuple(problems),
    )
