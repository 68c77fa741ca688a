"""Legal holds: a case (or, for a filed child-safety report, an item alone) kept past its
retention, with who placed and released each hold and why.

An admin or auditor places and releases holds on a case; ``legal_holds`` keeps every hold.
Items linked to a case under hold are kept past their retention (see
:func:`shieldwall.store.holds.held_item_ids` for what "linked" means). Hold changes are
chained into the audit trail in the transaction that writes their row. Its own repository,
not the case repository's, because a hold is about evidence, not about the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import InputError, LegalHoldError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.cases import CaseNotFoundError
from shieldwall.store.models import utcnow
from shieldwall.store.records import record_of
from shieldwall.store.service_models import ItemRow
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow, LegalHoldRow


@dataclass(frozen=True, slots=True)
class LegalHoldInfo:
    id: int
    case_id: int | None
    case_number: str
    """The case's number; empty for a hold on an item alone (``item_id``)."""
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None
    item_id: int | None = None
    content_id: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    @property
    def subject(self) -> str:
        """What is held, as the dashboard shows it: a case number or an item."""
        return self.case_number or f"item {self.content_id or self.item_id or '(deleted)'}"


class LegalHoldStore(SessionScoped):
    """Places, releases and lists legal holds."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        # Without the runtime's writer events are still chained, only not checkpoint-signed.
        self._audit = audit or AuditWriter()

    def place_hold(
        self, case_id: int, *, reason: str, placed_by: str, actor: str, now: datetime | None = None
    ) -> LegalHoldInfo:
        """Put a case under legal hold (``actor`` is the pseudonymous handle for the trail)."""
        reason = reason.strip()
        if not reason or len(reason) > 2000:
            raise InputError("a legal hold needs a reason (1 to 2000 characters)")
        at = now or utcnow()
        with self._writing() as session:
            case = _case_row(session, case_id)
            if _active_hold(session, case_id) is not None:
                raise LegalHoldError("this case is already under legal hold", value=case_id)
            row = LegalHoldRow(case_id=case_id, reason=reason, placed_by=placed_by, placed_at=at)
            session.add(row)
            session.flush()
            self._audit.append(
                session,
                action="case.legal_hold_placed",
                actor=actor,
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=case.case_number,
                details={"hold_id": row.id, "reason": reason[:1000]},
                at=at,
            )
            return _hold(row, case.case_number)

    def release_hold(
        self,
        case_id: int,
        *,
        reason: str,
        released_by: str,
        actor: str,
        now: datetime | None = None,
    ) -> LegalHoldInfo:
        """Release the case's hold in force; its items follow normal retention again."""
        at = now or utcnow()
        with self._writing() as session:
            case = _case_row(session, case_id)
            row = _active_hold(session, case_id)
            if row is None:
                raise LegalHoldError("this case is not under legal hold", value=case_id)
            row.released_by, row.released_at = released_by, at
            row.release_reason = reason.strip()[:2000] or None
            session.flush()
            self._audit.append(
                session,
                action="case.legal_hold_released",
                actor=actor,
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=case.case_number,
                details={"hold_id": row.id, "reason": (row.release_reason or "")[:1000]},
                at=at,
            )
            return _hold(row, case.case_number)

    def holds(self, *, active_only: bool = False, limit: int = 200) -> list[LegalHoldInfo]:
        """Holds on cases and on items alone (a filed child-safety report on an item),
        newest first."""
        query = (
            select(LegalHoldRow, CaseRow.case_number, ItemRow.content_id)
            .outerjoin(CaseRow, CaseRow.id == LegalHoldRow.case_id)
            .outerjoin(ItemRow, ItemRow.id == LegalHoldRow.item_id)
            .order_by(LegalHoldRow.id.desc())
            .limit(limit)
        )
        if active_only:
            query = query.where(LegalHoldRow.released_at.is_(None))
        with self._reading() as session:
            return [
                _hold(h, number or "", content_id)
                for h, number, content_id in session.execute(query).all()
            ]


def _case_row(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise CaseNotFoundError("no such case", value=case_id)
    return row


def _active_hold(session: Session, case_id: int) -> LegalHoldRow | None:
    return session.scalar(
        select(LegalHoldRow).where(
            LegalHoldRow.case_id == case_id, LegalHoldRow.released_at.is_(None)
        )
    )


def _hold(r: LegalHoldRow, case_number: str, content_id: str | None = None) -> LegalHoldInfo:
    return record_of(LegalHoldInfo, r, case_number=case_number, content_id=content_id)
