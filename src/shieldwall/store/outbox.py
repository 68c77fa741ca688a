"""The outbox: actions owed, their delivery attempts, and the dead-letter list.

Rows are written with their decision (see ``items.py``). The worker claims due
rows, performs them, and marks each delivered, or failed with the next attempt
time (exponential backoff), or dead after too many attempts, or held when it cannot be
performed as configured (a webhook with no URL: owed, never counted as delivered). An
operator can list dead letters and replay them; replaying resets the attempt counter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import OutboxRow
from shieldwall.store.service_records import DEAD as DEAD
from shieldwall.store.service_records import DELIVERED as DELIVERED
from shieldwall.store.service_records import HELD as HELD
from shieldwall.store.service_records import PENDING as PENDING
from shieldwall.store.service_records import OutboxInfo
from shieldwall.store.transactions import SessionScoped

LEASE = timedelta(seconds=60)
"""How long a claimed row is hidden from other workers; a worker that dies mid-delivery
loses its lease and the row is delivered again (at least once)."""


def webhook_row(payload: dict[str, Any], *, key: str, at: datetime) -> OutboxRow:
    """A webhook owed to the platform, due now, for the caller to add in the transaction
    that records what it announces (so it is never lost, nor sent for what rolled back)."""
    return OutboxRow(
        kind="webhook",
        payload=payload,
        idempotency_key=key,
        status=PENDING,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )


class OutboxEntryNotFoundError(NotFoundError):
    code = "outbox_entry_not_found"


class OutboxStore(SessionScoped):
    """Claim, complete and replay outbox rows."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()  # deliveries are chained in their transaction

    def enqueue(
        self,
        *,
        kind: str,
        payload: dict[str, Any],
        idempotency_key: str,
        decision_id: str | None = None,
    ) -> OutboxInfo:
        """Add an action outside a decision (e.g. a restore after an appeal); idempotent."""
        with self._writing() as session:
            found = session.scalar(
                select(OutboxRow).where(OutboxRow.idempotency_key == idempotency_key)
            )
            if found is not None:
                return _info(found)
            now = utcnow()
            row = OutboxRow(
                decision_id=decision_id,
                kind=kind,
                payload=payload,
                idempotency_key=idempotency_key,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _info(row)

    def claim_due(
        self, *, limit: int = 50, now: datetime | None = None, lease: timedelta = LEASE
    ) -> list[OutboxInfo]:
        """Take up to ``limit`` due rows and lease them to the caller for ``lease``.

        On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets several workers claim in
        parallel without taking the same row; SQLite serialises writers anyway.
        """
        at = now or utcnow()
        with self._writing() as session:
            query = (
                select(OutboxRow)
                .where(OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= at)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.next_attempt_at = at + lease
                row.attempts += 1
            session.flush()
            return [_info(r) for r in rows]

    def claim(
        self, outbox_id: int, *, now: datetime | None = None, lease: timedelta = LEASE
    ) -> OutboxInfo | None:
        """Lease one row if it is pending and due; ``None`` when it is not (done, dead, or
        leased by another worker). A single conditional UPDATE, so two workers never both win."""
        at = now or utcnow()
        with self._writing() as session:
            result = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == outbox_id,
                    OutboxRow.status == PENDING,
                    OutboxRow.next_attempt_at <= at,
                )
                .values(next_attempt_at=at + lease, attempts=OutboxRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(OutboxRow, outbox_id, populate_existing=True)
            return None if row is None else _info(row)

    def mark_delivered(
        self, outbox_id: int, *, note: str | None = None, payload: dict[str, Any] | None = None
    ) -> None:
        """Record success; ``note`` is kept in ``last_error`` (e.g. "review task already open").

        ``payload`` replaces the row's payload in the same write: a ``detect`` row drops the
        upload's bytes once its detectors have run.
        """
        values: dict[str, Any] = {"status": DELIVERED, "delivered_at": utcnow(), "last_error": note}
        if payload is not None:
            values["payload"] = payload
        with self._writing() as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == outbox_id).values(**values))
            self._audit_outcome(session, outbox_id, "action.delivered", note)

    def mark_failed(self, outbox_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; ``retry_at=None`` moves the row to the dead letters.

        Only a pending row changes: a worker whose lease ran out must not bury a row
        that another worker has meanwhile delivered.
        """
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["status"] = DEAD
        else:
            values["next_attempt_at"] = retry_at
        with self._writing() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == outbox_id, OutboxRow.status == PENDING)
                .values(**values)
            )
            if retry_at is None and result.rowcount == 1:  # type: ignore[attr-defined]
                self._audit_outcome(session, outbox_id, "action.dead_lettered", error[:300])

    def hold(self, outbox_id: int, *, reason: str) -> None:
        """Set a claimed row aside, unperformed: ``held`` with ``reason`` in ``last_error``,
        and the claim's attempt given back (nothing was tried). Only a pending row changes."""
        with self._writing() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == outbox_id, OutboxRow.status == PENDING)
                .values(
                    status=HELD,
                    last_error=reason[:2000],
                    attempts=case((OutboxRow.attempts > 0, OutboxRow.attempts - 1), else_=0),
                )
            )

    def release_held(self, kind: str) -> int:
        """Make every held row of ``kind`` pending and due now (a worker that can perform
        them has started); returns how many."""
        with self._writing() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == HELD, OutboxRow.kind == kind)
                .values(status=PENDING, next_attempt_at=utcnow())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _audit_outcome(
        self, session: Session, outbox_id: int, action: str, note: str | None
    ) -> None:
        # Audit: the final outcome of an owed action, in the same transaction as the status.
        row = session.get(OutboxRow, outbox_id)
        if row is None:
            return
        self._audit.append(
            session,
            action=action,
            subject_type="action",
            subject_id=str(outbox_id),
            details={
                "kind": row.kind,
                "decision_id": row.decision_id,
                "idempotency_key": row.idempotency_key[:200],
                "attempts": row.attempts,
                "note": None if note is None else note[:300],
            },
        )

    def get(self, outbox_id: int) -> OutboxInfo:
        with self._sessions() as session:
            row = session.get(OutboxRow, outbox_id)
            if row is None:
                raise OutboxEntryNotFoundError("no outbox entry with this id", value=outbox_id)
            return _info(row)

    def list_entries(self, *, status: str | None = None, limit: int = 100) -> list[OutboxInfo]:
        query = select(OutboxRow).order_by(OutboxRow.id).limit(limit)
        if status:
            query = query.where(OutboxRow.status == status)
        with self._sessions() as session:
            return [_info(r) for r in session.scalars(query)]

    def for_decision(self, decision_id: str) -> list[OutboxInfo]:
        with self._sessions() as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.decision_id == decision_id).order_by(OutboxRow.id)
            )
            return [_info(r) for r in rows]

    def replay(self, outbox_id: int) -> OutboxInfo:
        """Put a dead (or delivered) row back in the queue, attempts reset."""
        with self._writing() as session:
            row = session.get(OutboxRow, outbox_id)
            if row is None:
                raise OutboxEntryNotFoundError("no outbox entry with this id", value=outbox_id)
            row.status = PENDING
            row.attempts = 0
            row.next_attempt_at = utcnow()
            session.flush()
            return _info(row)

    def counts(self) -> dict[str, int]:
        with self._sessions() as session:
            rows = session.execute(
                select(OutboxRow.status, func.count(OutboxRow.id)).group_by(OutboxRow.status)
            ).all()
        return {str(s): int(n) for s, n in rows}


def _info(r: OutboxRow) -> OutboxInfo:
    return OutboxInfo(
        id=r.id,
        decision_id=r.decision_id,
        kind=r.kind,
        payload=dict(r.payload),
        idempotency_key=r.idempotency_key,
        status=r.status,
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        last_error=r.last_error,
        created_at=r.created_at,
        delivered_at=r.delivered_at,
    )
