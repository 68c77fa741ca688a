"""Quarantined bank entries: hashes that suddenly matched far more items than a real
victim's image does, held out of automatic action until a person looks.

A poisoned hash (an exchange or a compromised partner submitting the hash of a popular
meme or a stock photo) would otherwise remove innocent content at scale. A quarantined
entry keeps matching, so nothing is hidden, but its matches go to review instead of
acting (:mod:`shieldwall.pipeline.match_holds`). Quarantine, release and the report
go into the audit chain in the same transaction as the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.errors import NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import Base, utcnow
from shieldwall.store.service_models import OutboxRow
from shieldwall.store.service_records import PENDING
from shieldwall.store.transactions import SessionScoped


class QuarantineRow(Base):
    """One quarantined entry; ``released_at`` set once a person let it act again."""

    __tablename__ = "entry_quarantines"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bank: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    hits: Mapped[int] = mapped_column(Integer)
    window_s: Mapped[int] = mapped_column(Integer)
    quarantined_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(255))


@dataclass(frozen=True, slots=True)
class QuarantineInfo:
    entry_id: int
    bank: str
    reason: str
    hits: int
    window_s: int
    quarantined_at: datetime
    released_at: datetime | None
    released_by: str | None

    @property
    def active(self) -> bool:
        return self.released_at is None


class QuarantineNotFoundError(NotFoundError):
    code = "quarantine_not_found"


class QuarantineStore(SessionScoped):
    """Quarantine, list and release entries."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._audit = AuditWriter()

    def quarantine(
        self, *, entry_id: int, bank: str, hits: int, window_s: int, reason: str
    ) -> bool:
        """Quarantine ``entry_id`` and queue the ``bank.entry_quarantined`` report; False when
        it already has a row (quarantined, or released by a person, whose word stands) or
        another process quarantined it at the same moment."""
        try:
            return self._quarantine(entry_id, bank, hits, window_s, reason)
        except IntegrityError:  # two processes tripped at once: the other one's row stands
            return False

    def _quarantine(self, entry_id: int, bank: str, hits: int, window_s: int, reason: str) -> bool:
        with self._writing() as session:
            if session.get(QuarantineRow, entry_id) is not None:
                return False
            session.add(
                QuarantineRow(
                    entry_id=entry_id,
                    bank=bank[:64],
                    reason=reason[:500],
                    hits=hits,
                    window_s=window_s,
                    quarantined_at=utcnow(),
                )
            )
            details = {"entry_id": entry_id, "bank": bank, "hits": hits, "window_s": window_s}
            now = utcnow()
            session.add(  # the platform hears of it like of any decision: a webhook
                OutboxRow(
                    kind="webhook",
                    payload={"event": "bank.entry_quarantined", "reason": reason, **details},
                    idempotency_key=f"quarantine:{entry_id}",
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            session.flush()
            self._audit.append(
                session,
                actor="shieldwall",
                actor_kind="system",
                action="entry.quarantined",
                subject_type="bank_entry",
                subject_id=str(entry_id),
                details={**details, "reason": reason[:300]},
            )
            return True

    def active_ids(self) -> frozenset[int]:
        with self._sessions() as session:
            rows = session.scalars(
                select(QuarantineRow.entry_id).where(QuarantineRow.released_at.is_(None))
            )
            return frozenset(int(r) for r in rows)

    def list_quarantined(self, *, include_released: bool = False) -> list[QuarantineInfo]:
        with self._sessions() as session:
            query = select(QuarantineRow).order_by(QuarantineRow.quarantined_at.desc())
            if not include_released:
                query = query.where(QuarantineRow.released_at.is_(None))
            return [_info(r) for r in session.scalars(query.limit(1000))]

    def release(self, entry_id: int, *, by: str, note: str) -> QuarantineInfo:
        """A person lets the entry act again; recorded with who and why."""
        with self._writing() as session:
            row = session.get(QuarantineRow, entry_id, with_for_update=True)
            if row is None:
                raise QuarantineNotFoundError("this entry is not quarantined", value=entry_id)
            if row.released_at is None:
                row.released_at = utcnow()
                row.released_by = by[:255]
                session.flush()
                self._audit.append(
                    session,
                    actor=by,
                    actor_kind="human",
                    action="entry.quarantine_released",
                    subject_type="bank_entry",
                    subject_id=str(entry_id),
                    details={"bank": row.bank, "note": note[:300]},
                )
            return _info(row)


def _info(r: QuarantineRow) -> QuarantineInfo:
    return QuarantineInfo(
        entry_id=r.entry_id,
        bank=r.bank,
        reason=r.reason,
        hits=r.hits,
        window_s=r.window_s,
        quarantined_at=r.quarantined_at,
        released_at=r.released_at,
        released_by=r.released_by,
    )
