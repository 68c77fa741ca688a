"""The audit trail in the database: append inside the caller's transaction, read, redact.

Appending is the store's half of :func:`shieldwall.audit.build_event`: take the
audit lock, read the head, build the next event, insert it. The lock makes
``seq`` gapless and ``prev_hash`` the real previous head even with several API
replicas and workers writing at once (a PostgreSQL transaction-level advisory
lock, released at commit; SQLite serialises writers by itself, and ``seq`` is the
primary key, so a lost race fails loudly instead of forking the chain).

Callers append as the LAST step of a writing transaction: the lock is then held
only for one read and one insert, and the lock order (bank change lock first,
audit lock second) can never be inverted.

The append path runs prebuilt Core statements on the session's connection (no
ORM ``execute`` and no ``.values()`` coercion per call): it is on every lookup's
critical path, and those layers cost more than the two queries themselves.

Who acted is read from :func:`acting_as` when the caller does not say: shells set
it once per request or command, so the store methods keep their signatures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from shieldwall.audit import (
    ActorKind,
    AuditEvent,
    ChainHead,
    Checkpoint,
    CheckpointSigner,
    PersonalData,
    build_event,
    canonical_json,
    checkpoint_due,
)
from shieldwall.store.audit_models import AuditCheckpointRow, AuditEventRow, AuditPersonalRow
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import DecisionRow, ItemRow
from shieldwall.store.service_records import DecisionInfo, ItemInfo, NewDecision

AUDIT_LOCK_KEY = 0x5348_4C44_0002
"""PostgreSQL advisory-lock key held while an audit event is appended."""

DEFAULT_CHECKPOINT_EVERY = 1000
"""Sign a checkpoint after every this many events (when a signer is configured)."""

_READ_CHUNK = 5_000

# Built once: SQLAlchemy then reuses the compiled SQL on every append.
_EVENTS = cast(Table, AuditEventRow.__table__)
_LOCK = select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY))
_HEAD = select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)
_INSERT_EVENT = insert(_EVENTS)
_INSERT_PERSONAL = insert(cast(Table, AuditPersonalRow.__table__))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a pseudonymous handle and whether a person or a machine."""

    name: str
    kind: ActorKind


SYSTEM_ACTOR = Actor("shieldwall", ActorKind.SYSTEM)

_current_actor: ContextVar[Actor] = ContextVar("shieldwall_audit_actor", default=SYSTEM_ACTOR)


@contextmanager
def acting_as(name: str, kind: ActorKind | str = ActorKind.HUMAN) -> Iterator[Actor]:
    """Attribute the audit events written inside this block to ``name``.

    Shells call it once per request or command (``api_key:<name>``,
    ``cli:<user>``, ``reviewer:<handle>``); never an e-mail address, the actor is
    chained in clear.
    """
    actor = Actor(name, ActorKind(kind))
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def current_actor() -> Actor:
    """The actor set by the innermost :func:`acting_as`, else Shieldwall itself."""
    return _current_actor.get()


def values_digest(lines: Iterable[str]) -> str:
    """SHA-256 over ``line + "\\n"`` for each line: commits to a bulk change's values in order."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


class UnreadableColumn:
    """Stands in for a stored ``details`` text that is not JSON any more.

    It has no canonical encoding, so the verifier reports the event as
    malformed instead of crashing on a tampered row.
    """

    def __init__(self, text: str) -> None:
        self.text = text


def event_from_row(row: AuditEventRow | Any) -> AuditEvent:
    """Rebuild the chained event from its row, tolerating tampered columns."""
    try:
        details: Any = json.loads(row.details)
        if not isinstance(details, dict):
            details = {"_unreadable": UnreadableColumn(str(row.details))}
    except (ValueError, TypeError):
        details = {"_unreadable": UnreadableColumn(str(row.details))}
    try:
        kind: Any = ActorKind(row.actor_kind)
    except ValueError:
        kind = row.actor_kind  # hashes differently, so the verifier flags the edit
    return AuditEvent(
        seq=row.seq,
        event_id=row.event_id,
        at=row.at,
        actor=row.actor,
        actor_kind=kind,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        details=details,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _checkpoint_from_row(row: AuditCheckpointRow) -> Checkpoint:
    return Checkpoint(row.seq, row.head_hash, row.at, row.key_id, row.signature)


def lock_trail(session: Session) -> None:
    """Hold the audit lock until the transaction ends (PostgreSQL; SQLite needs none)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK)


def read_head(session: Session) -> ChainHead:
    """The newest event's seq and hash, or the genesis head of an empty trail."""
    row = session.connection().execute(_HEAD).first()
    return ChainHead.genesis() if row is None else ChainHead(int(row[0]), str(row[1]))


class AuditWriter:
    """Appends audit events inside a caller's transaction; signs checkpoints when due.

    Without a ``signer`` events are still chained; checkpoints are then signed
    later by ``shieldwall audit checkpoint`` or :meth:`checkpoint`.
    """

    def __init__(
        self,
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int | None = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        self.signer = signer
        self.checkpoint_every = checkpoint_every

    def append(
        self,
        session: Session,
        *,
        action: str,
        actor: str | None = None,
        actor_kind: ActorKind | str | None = None,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: Mapping[str, object] | None = None,
        personal_fields: Collection[str] = (),
        at: datetime | None = None,
    ) -> AuditEvent:
        """Chain one event in ``session``'s transaction and return it.

        ``actor``/``actor_kind`` default to :func:`current_actor`. Raises the audit
        core's errors for details that may not enter the trail; the caller's
        transaction then rolls back with them, so nothing happens unaudited.
        """
        who = current_actor()
        lock_trail(session)
        head = read_head(session)
        record = build_event(
            head,
            actor=who.name if actor is None else actor,
            actor_kind=who.kind if actor_kind is None else actor_kind,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
            personal_fields=personal_fields,
            at=utcnow() if at is None else at,
        )
        event = record.event
        session.connection().execute(_INSERT_EVENT, _event_params(event, record.details_text))
        if record.personal is not None:
            _insert_personal(session, record.personal, event.at)
        if self.signer is not None and checkpoint_due(event.seq, self.checkpoint_every):
            _insert_checkpoint(session, self.signer.sign(event.head, at=event.at))
        return event

    def append_many(
        self, session: Session, events: Sequence[Mapping[str, Any]]
    ) -> list[AuditEvent]:
        """Chain several events, in order, in ``session``'s transaction: one lock, one head read.

        Each element holds :meth:`append`'s keyword arguments. This is the group commit's
        half of the trail: a batch of decisions is linked in batch order, so the chain stays
        strict and ``audit verify`` reads it exactly as if each had been appended alone.
        Every event is built (and so validated) before anything is inserted: a rejected
        detail raises before the batch writes a row.
        """
        if not events:
            return []
        who = current_actor()
        lock_trail(session)
        head: AuditEvent | ChainHead = read_head(session)
        records = []
        for kwargs in events:
            actor, actor_kind, at = kwargs.get("actor"), kwargs.get("actor_kind"), kwargs.get("at")
            record = build_event(
                head,
                actor=who.name if actor is None else actor,
                actor_kind=who.kind if actor_kind is None else actor_kind,
                action=kwargs["action"],
                subject_type=kwargs.get("subject_type"),
                subject_id=kwargs.get("subject_id"),
                details=kwargs.get("details"),
                personal_fields=kwargs.get("personal_fields", ()),
                at=utcnow() if at is None else at,
            )
            records.append(record)
            head = record.event
        session.connection().execute(
            _INSERT_EVENT, [_event_params(r.event, r.details_text) for r in records]
        )
        for record in records:
            if record.personal is not None:
                _insert_personal(session, record.personal, record.event.at)
            event = record.event
            if self.signer is not None and checkpoint_due(event.seq, self.checkpoint_every):
                _insert_checkpoint(session, self.signer.sign(event.head, at=event.at))
        return [r.event for r in records]

    def checkpoint(self, session: Session, signer: CheckpointSigner | None = None) -> Checkpoint:
        """Sign the current head now (idempotent: an existing one for it is returned)."""
        key = signer or self.signer
        if key is None:
            raise ValueError("no checkpoint signer configured")
        lock_trail(session)
        head = read_head(session)
        if head.seq == 0:
            raise ValueError("the audit trail is empty; there is nothing to checkpoint")
        found = session.scalar(
            select(AuditCheckpointRow).where(
                AuditCheckpointRow.seq == head.seq, AuditCheckpointRow.key_id == key.key_id
            )
        )
        if found is not None:
            return _checkpoint_from_row(found)
        cp = key.sign(head, at=utcnow())
        _insert_checkpoint(session, cp)
        return cp


def _event_params(event: AuditEvent, details_text: str) -> dict[str, Any]:
    """The row of a newly built ``event``; ``details_text`` is its details' canonical text
    (``AuditRecord.details_text``), stored as is."""
    return {
        "seq": event.seq,
        "event_id": event.event_id,
        "at": event.at,
        "actor": event.actor,
        "actor_kind": str(event.actor_kind),
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "details": details_text,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _insert_personal(session: Session, personal: PersonalData, at: datetime) -> None:
    fields = personal.to_dict()["fields"]
    session.connection().execute(
        _INSERT_PERSONAL,
        {
            "event_id": personal.event_id,
            "event_at": at,
            "fields": canonical_json(fields).decode("utf-8"),
            "created_at": utcnow(),
        },
    )


def _insert_checkpoint(session: Session, cp: Checkpoint) -> None:
    session.execute(
        insert(AuditCheckpointRow).values(
            seq=cp.seq, head_hash=cp.head_hash, at=cp.at, key_id=cp.key_id, signature=cp.signature
        )
    )


def _fit(values: list[Any], limit: int = 3500) -> list[Any]:
    """The longest prefix of ``values`` whose canonical JSON stays under ``limit`` bytes.

    A details value may not exceed 4 KiB (the guard's rule); a decision with
    hundreds of matches keeps the first ones and says how many there were.
    """
    kept: list[Any] = []
    size = 2
    for value in values:
        size += len(canonical_json(value)) + 1
        if size > limit:
            break
        kept.append(value)
    return kept


def decision_audit(
    item: ItemRow | ItemInfo, decision: DecisionRow | DecisionInfo, new: NewDecision
) -> dict[str, Any]:
    """The ``decision.made`` event for a stored decision (keyword arguments for ``append``).

    The uploader id is personal data: it is chained only as a salted digest.
    """
    human = decision.decided_by not in ("", "automated")
    matches = [
        {k: m.get(k) for k in ("bank", "entry_id", "signal_type", "distance")}
        for m in decision.matches or []
    ]
    categories = list(
        dict.fromkeys(str(f.get("category")) for f in decision.fired or [] if f.get("category"))
    )
    details: dict[str, Any] = {
        "decision_id": decision.id,
        "item_id": item.id,
        "source": decision.source,
        "verdict": decision.verdict,
        "policy_version": decision.policy_version,
        "rules": _fit([str(f.get("rule_id")) for f in decision.fired or []]),
        "categories": _fit(categories),
        "reasons": _fit([r[:300] for r in decision.reasons or []]),
        "matches": _fit(matches),
        "match_count": len(matches),
        "actions": _fit([{"kind": a.kind, "key": a.idempotency_key} for a in new.actions]),
        "surface": item.surface,
        "jurisdictions": _fit(list(item.jurisdictions or [])),
        "hashes": {"pdq": item.pdq, "md5": item.md5, "sha256": item.sha256},
    }
    personal: list[str] = []
    if item.uploader_id is not None:
        details["uploader_id"] = item.uploader_id
        personal.append("uploader_id")
    return {
        "action": "decision.made",
        "actor": decision.decided_by if human else f"policy:{decision.policy_version}"[:200],
        "actor_kind": ActorKind.HUMAN if human else ActorKind.AUTOMATED,
        "subject_type": "content",
        "subject_id": item.content_id[:200],
        "details": details,
        "personal_fields": personal,
    }


class AuditStore:
    """Reads of the audit trail (streamed), side records, checkpoints, and redaction."""

    def __init__(self, sessions: Any) -> None:
        self._sessions = sessions

    def head(self) -> ChainHead:
        with self._sessions() as session:
            return read_head(session)

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEventRow)) or 0)

    def iter_events(
        self,
        *,
        after_seq: int | None = None,
        until_seq: int | None = None,
        chunk: int = _READ_CHUNK,
    ) -> Iterator[AuditEvent]:
        """Events in seq order, ``chunk`` rows per short read (constant memory).

        Pages by position (OFFSET-free keyset on seq) so that a tampered,
        repeated or out-of-order seq is still returned exactly once.
        """
        last = after_seq
        while True:
            query = select(AuditEventRow).order_by(AuditEventRow.seq).limit(chunk)
            if last is not None:
                query = query.where(AuditEventRow.seq > last)
            if until_seq is not None:
                query = query.where(AuditEventRow.seq <= until_seq)
            with self._sessions() as session:
                rows = list(session.scalars(query))
                events = [event_from_row(r) for r in rows]
            if not rows:
                return
            yield from events
            last = rows[-1].seq

    def events_for_subject(self, subject_type: str, subject_id: str) -> list[AuditEvent]:
        with self._sessions() as session:
            rows = session.scalars(
                select(AuditEventRow)
                .where(
                    AuditEventRow.subject_type == subject_type,
                    AuditEventRow.subject_id == subject_id,
                )
                .order_by(AuditEventRow.seq)
            )
            return [event_from_row(r) for r in rows]

    def events_between(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[AuditEvent]:
        """Events whose ``at`` falls in [since, until), in seq order (for reports)."""
        for event in self.iter_events():
            if since is not None and event.at < since:
                continue
            if until is not None and event.at >= until:
                continue
            yield event

    def checkpoints(self) -> list[Checkpoint]:
        with self._sessions() as session:
            rows = session.scalars(select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq))
            return [_checkpoint_from_row(r) for r in rows]

    def checkpoint_at_or_after(self, seq: int) -> Checkpoint | None:
        with self._sessions() as session:
            row = session.scalar(
                select(AuditCheckpointRow)
                .where(AuditCheckpointRow.seq >= seq)
                .order_by(AuditCheckpointRow.seq)
                .limit(1)
            )
            return None if row is None else _checkpoint_from_row(row)

    def personal_data(self, event_id: str) -> PersonalData | None:
        with self._sessions() as session:
            row = session.get(AuditPersonalRow, event_id)
            if row is None:
                return None
            return PersonalData.from_dict(
                {"event_id": row.event_id, "fields": json.loads(row.fields)}
            )

    def redact_before(self, before: datetime) -> int:
        """Delete the personal side records of events before ``before``; returns how many."""
        with self._sessions() as session, session.begin():
            result = session.execute(
                delete(AuditPersonalRow).where(AuditPersonalRow.event_at < before)
            )
            return int(result.rowcount)


__all__ = [
    "AUDIT_LOCK_KEY",
    "DEFAULT_CHECKPOINT_EVERY",
    "SYSTEM_ACTOR",
    "Actor",
    "AuditStore",
    "AuditWriter",
    "acting_as",
    "current_actor",
    "decision_audit",
    "event_from_row",
    "lock_trail",
    "read_head",
    "values_digest",
]
