"""Prepared child-safety reports waiting for a person to file them: NCMEC CyberTipline
reports (18 U.S.C. §2258A) and UK National Crime Agency reports (Online Safety Act 2023 s.66),
one per agency per case (``agency``, migration 0014).

Shieldwall never sends a report (nor imagery) anywhere: a report is *prepared* from a case
(``child_safety_reports``, migration 0011), queued, and a person files it with NCMEC
themselves, then records the filing time and NCMEC's report id here. Filing places a legal
hold on the case (``legal_holds``: retention purges never cross it, see
``cases.held_item_ids``) until at least one year later (§2258A(h) as amended by the REPORT Act
2024) and queues a ``preserve`` webhook so the platform keeps the content too: the filing, the
hold, the webhook and their audit events are written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import ConflictError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.service_models import OutboxRow
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow, LegalHoldRow

QUEUED = "queued"
FILED = "filed"


class ReportNotFoundError(NotFoundError):
    code = "child_safety_report_not_found"


class ReportAlreadyFiledError(ConflictError):
    code = "child_safety_report_filed"


class ChildSafetyReportRow(Base):
    """A CyberTipline report prepared from a case, and its filing (migration 0011)."""

    __tablename__ = "child_safety_reports"
    __table_args__ = (Index("ix_child_safety_reports_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    agency: Mapped[str] = mapped_column(String(16), default="ncmec", server_default="ncmec")
    """``ncmec`` or ``nca`` (migration 0014)."""
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_by: Mapped[str] = mapped_column(String(100))
    prepared_at: Mapped[datetime]
    due_at: Mapped[datetime]
    filed_by: Mapped[str | None] = mapped_column(String(100))
    filed_at: Mapped[datetime | None]
    report_id: Mapped[str | None] = mapped_column(String(100))
    hold_until: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class ChildSafetyReportInfo:
    id: int
    case_id: int
    case_number: str
    status: str
    reason: str
    fields: dict[str, Any]
    prepared_by: str
    prepared_at: datetime
    due_at: datetime
    filed_by: str | None
    filed_at: datetime | None
    report_id: str | None
    hold_until: datetime | None
    agency: str = "ncmec"


class ChildSafetyStore(SessionScoped):
    """The queue of prepared reports and their filings."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def prepare(
        self,
        case_id: int,
        *,
        fields: dict[str, Any],
        reason: str,
        prepared_by: str,
        actor: str,
        due_at: datetime,
        agency: str = "ncmec",
        now: datetime | None = None,
    ) -> ChildSafetyReportInfo:
        """Queue a prepared report for ``agency``; a case with a queued report for that agency
        returns that one."""
        at = now or utcnow()
        with self._writing() as session:
            case = _case(session, case_id)
            found = session.scalar(
                select(ChildSafetyReportRow).where(
                    ChildSafetyReportRow.case_id == case_id,
                    ChildSafetyReportRow.agency == agency,
                    ChildSafetyReportRow.status == QUEUED,
                )
            )
            if found is not None:
                return _info(found, case.case_number)
            row = ChildSafetyReportRow(
                case_id=case_id,
                agency=agency,
                status=QUEUED,
                reason=reason,
                fields=fields,
                prepared_by=prepared_by,
                prepared_at=at,
                due_at=due_at,
            )
            session.add(row)
            session.flush()
            self._audit.append(
                session,
                action="case.child_safety_escalated",
                actor=actor,
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=case.case_number,
                details={
                    "report": row.id,
                    "agency": agency,
                    "reason": reason[:1000],
                    "due_at": due_at.isoformat(),
                },
                at=at,
            )
            return _info(row, case.case_number)

    def file(
        self,
        report: int,
        *,
        report_id: str,
        filed_by: str,
        actor: str,
        hold_until: datetime,
        preserve: dict[str, Any],
        hold_reason: str = "",
        now: datetime | None = None,
    ) -> ChildSafetyReportInfo:
        """Record the filing; place the legal hold and queue the ``preserve`` webhook with it."""
        at = now or utcnow()
        with self._writing() as session:
            row = session.get(ChildSafetyReportRow, report)
            if row is None:
                raise ReportNotFoundError("no such prepared report", value=report)
            case = _case(session, row.case_id)
            if row.status == FILED:
                raise ReportAlreadyFiledError("this report was filed already", value=report)
            row.status, row.report_id, row.filed_by = FILED, report_id, filed_by
            row.filed_at, row.hold_until = at, hold_until
            hold = session.scalar(
                select(LegalHoldRow).where(
                    LegalHoldRow.case_id == row.case_id, LegalHoldRow.released_at.is_(None)
                )
            )
            if hold is None:
                hold = LegalHoldRow(
                    case_id=row.case_id,
                    reason=hold_reason
                    or f"18 U.S.C. §2258A(h): CyberTipline report {report_id} filed; "
                    f"preserve until {hold_until:%Y-%m-%d}",
                    placed_by=filed_by,
                    placed_at=at,
                )
                session.add(hold)
            session.add(
                OutboxRow(
                    kind="webhook",
                    payload={**preserve, "until": hold_until.isoformat()},
                    idempotency_key=f"child-safety:{row.id}:preserve",
                    status="pending",
                    attempts=0,
                    next_attempt_at=at,
                    created_at=at,
                )
            )
            session.flush()
            for action, details in (
                (
                    "case.child_safety_report_filed",
                    {"report": row.id, "agency": row.agency, "report_id": report_id},
                ),
                (
                    "case.legal_hold_placed",
                    {"hold_id": hold.id, "reason": hold.reason[:1000]},
                ),
            ):
                self._audit.append(
                    session,
                    action=action,
                    actor=actor,
                    actor_kind=ActorKind.HUMAN,
                    subject_type="case",
                    subject_id=case.case_number,
                    details=details,
                    at=at,
                )
            return _info(row, case.case_number)

    def reports(self, *, limit: int = 200) -> list[ChildSafetyReportInfo]:
        """Queued first (soonest due), then filed (newest first)."""
        query = (
            select(ChildSafetyReportRow, CaseRow.case_number)
            .join(CaseRow, CaseRow.id == ChildSafetyReportRow.case_id)
            .order_by(
                ChildSafetyReportRow.status.desc(),
                ChildSafetyReportRow.due_at,
                ChildSafetyReportRow.id.desc(),
            )
            .limit(limit)
        )
        with self._reading() as session:
            return [_info(r, n) for r, n in session.execute(query).all()]

    def get(self, report: int) -> ChildSafetyReportInfo:
        with self._reading() as session:
            row = session.get(ChildSafetyReportRow, report)
            if row is None:
                raise ReportNotFoundError("no such prepared report", value=report)
            return _info(row, _case(session, row.case_id).case_number)

    def hold_until(self, case_id: int) -> datetime | None:
        """The latest preservation date a filed report set on the case (None: none filed)."""
        with self._reading() as session:
            dates = session.scalars(
                select(ChildSafetyReportRow.hold_until).where(
                    ChildSafetyReportRow.case_id == case_id,
                    ChildSafetyReportRow.hold_until.is_not(None),
                )
            )
            return max((d for d in dates if d is not None), default=None)


def _case(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise ReportNotFoundError("no such case", value=case_id)
    return row


def _info(r: ChildSafetyReportRow, case_number: str) -> ChildSafetyReportInfo:
    return ChildSafetyReportInfo(
        id=r.id,
        case_id=r.case_id,
        case_number=case_number,
        status=r.status,
        reason=r.reason,
        fields=dict(r.fields or {}),
        prepared_by=r.prepared_by,
        prepared_at=r.prepared_at,
        due_at=r.due_at,
        filed_by=r.filed_by,
        filed_at=r.filed_at,
        report_id=r.report_id,
        hold_until=r.hold_until,
        agency=r.agency,
    )


__all__ = [
    "ChildSafetyReportInfo",
    "ChildSafetyReportRow",
    "ChildSafetyStore",
    "ReportAlreadyFiledError",
    "ReportNotFoundError",
]
