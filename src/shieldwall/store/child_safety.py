"""Prepared child-safety reports waiting for a person to file them: NCMEC CyberTipline
reports (18 U.S.C. §2258A) and UK National Crime Agency reports (Online Safety Act 2023 s.66),
one per agency per case (``agency``, migration 0014), or per agency per item for an item a
moderator escalated on its own (``item_id``, migration 0022).

Shieldwall never sends a report (nor imagery) anywhere: a report is *prepared* from a case
or an item (``child_safety_reports``, migration 0011), queued, and a person files it with the
agency themselves, then records the filing time and the agency's report id here. Filing
places a legal hold on the case or the item (``legal_holds``: retention purges never cross
it, see :func:`shieldwall.store.holds.held_item_ids`, which also keeps an item whose report
is still queued) until at least one year later (§2258A(h) as amended by the REPORT Act 2024)
and queues a ``preserve`` webhook so the platform keeps the content too: the filing, the
hold, the webhook and their audit events are written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import ConflictError, LegalHoldError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.outbox import webhook_row
from shieldwall.store.records import record_of
from shieldwall.store.service_models import ItemRow
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow, LegalHoldRow

QUEUED = "queued"
FILED = "filed"


class ReportNotFoundError(NotFoundError):
    code = "child_safety_report_not_found"


class ReportAlreadyFiledError(ConflictError):
    code = "child_safety_report_filed"


class ChildSafetyReportRow(Base):
    """A report prepared from a case or an item, and its filing (migrations 0011, 0022)."""

    __tablename__ = "child_safety_reports"
    __table_args__ = (
        Index("ix_child_safety_reports_status", "status"),
        Index("uq_child_safety_reports_item_agency", "item_id", "agency", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    """Set for a report on an item alone (``case_id`` empty); migration 0022."""
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
    case_id: int | None
    case_number: str
    """The case's number; empty for a report on an item alone."""
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
    item_id: int | None = None

    @property
    def content_ids(self) -> list[str]:
        """The content ids the prepared report names (kept even if an item is deleted)."""
        content = self.fields.get("content") or []
        return [str(c["content_id"]) for c in content if isinstance(c, dict) and "content_id" in c]

    @property
    def subject(self) -> str:
        """What the report is about, as the queue shows it: a case number or an item."""
        if self.case_number:
            return self.case_number
        return f"item {', '.join(self.content_ids) or '(deleted)'}"


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """A report as prepared for one agency, before it is queued on a case or an item."""

    agency: str
    fields: dict[str, Any]
    reason: str
    prepared_by: str
    actor: str
    """The pseudonymous handle the trail names (``staff:<id>``, ``victim-portal``)."""
    at: datetime
    due_at: datetime


class ChildSafetyStore(SessionScoped):
    """The queue of prepared reports, their filings, and the holds those place on items."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def prepare(self, case_id: int, draft: ReportDraft) -> ChildSafetyReportInfo:
        """Queue a prepared report for the draft's agency; a case with a queued report for
        that agency returns that one."""
        with self._writing() as session:
            case = _case(session, case_id)
            found = session.scalar(
                select(ChildSafetyReportRow).where(
                    ChildSafetyReportRow.case_id == case_id,
                    ChildSafetyReportRow.agency == draft.agency,
                    ChildSafetyReportRow.status == QUEUED,
                )
            )
            if found is not None:
                return _info(found, case.case_number)
            row = ChildSafetyReportRow(case_id=case_id)
            self._queue(session, row, draft, ("case", case.case_number))
            return _info(row, case.case_number)

    def prepare_for_item(
        self, item_id: int, draft: ReportDraft
    ) -> tuple[ChildSafetyReportInfo, bool]:
        """Queue a report for the draft's agency on an item alone; returns it and whether it
        is new. An item has one report per agency, queued or filed: escalating it again, even
        from two places at once (the unique index decides), returns the first."""
        try:
            with self._writing() as session:
                item = session.get(ItemRow, item_id)
                if item is None:
                    raise ReportNotFoundError("no such item", value=item_id)
                found = _item_report(session, item_id, draft.agency)
                if found is not None:
                    return _info(found, ""), False
                row = ChildSafetyReportRow(item_id=item_id)
                self._queue(session, row, draft, ("item", item.content_id))
                return _info(row, ""), True
        except IntegrityError:
            with self._reading() as session:
                found = _item_report(session, item_id, draft.agency)
                if found is None:
                    raise
                return _info(found, ""), False

    def _queue(
        self,
        session: Session,
        row: ChildSafetyReportRow,
        draft: ReportDraft,
        subject: tuple[str, str],
    ) -> None:
        """Fill ``row`` from ``draft``, queue it, and chain the escalation into the trail."""
        row.status, row.agency, row.reason = QUEUED, draft.agency, draft.reason
        row.fields, row.prepared_by = draft.fields, draft.prepared_by
        row.prepared_at, row.due_at = draft.at, draft.due_at
        session.add(row)
        session.flush()
        self._audit.append(
            session,
            action=f"{subject[0]}.child_safety_escalated",
            actor=draft.actor,
            actor_kind=ActorKind.HUMAN,
            subject_type=subject[0],
            subject_id=subject[1],
            details={
                "report": row.id,
                "agency": row.agency,
                "reason": row.reason[:1000],
                "due_at": row.due_at.isoformat(),
            },
            at=draft.at,
        )

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
        """Record the filing; place the legal hold (on the case, or on the item of a report
        on an item alone) and queue the ``preserve`` webhook with it."""
        at = now or utcnow()
        with self._writing() as session:
            row = session.get(ChildSafetyReportRow, report)
            if row is None:
                raise ReportNotFoundError("no such prepared report", value=report)
            kind, subject, case_number = _subject(session, row)
            if row.status == FILED:
                raise ReportAlreadyFiledError("this report was filed already", value=report)
            if kind == "item" and row.item_id is None:
                raise ReportNotFoundError("the item of this report no longer exists", value=report)
            row.status, row.report_id, row.filed_by = FILED, report_id, filed_by
            row.filed_at, row.hold_until = at, hold_until
            hold = _active_hold(session, case_id=row.case_id, item_id=row.item_id)
            if hold is None:
                hold = LegalHoldRow(
                    case_id=row.case_id,
                    item_id=row.item_id if row.case_id is None else None,
                    reason=hold_reason
                    or f"18 U.S.C. §2258A(h): CyberTipline report {report_id} filed; "
                    f"preserve until {hold_until:%Y-%m-%d}",
                    placed_by=filed_by,
                    placed_at=at,
                )
                session.add(hold)
            session.add(
                webhook_row(
                    {**preserve, "until": hold_until.isoformat()},
                    key=f"child-safety:{row.id}:preserve",
                    at=at,
                )
            )
            session.flush()
            for action, details in (
                (
                    "child_safety_report_filed",
                    {"report": row.id, "agency": row.agency, "report_id": report_id},
                ),
                ("legal_hold_placed", {"hold_id": hold.id, "reason": hold.reason[:1000]}),
            ):
                self._audit.append(
                    session,
                    action=f"{kind}.{action}",
                    actor=actor,
                    actor_kind=ActorKind.HUMAN,
                    subject_type=kind,
                    subject_id=subject,
                    details=details,
                    at=at,
                )
            return _info(row, case_number)

    def release_item_hold(
        self,
        item_id: int,
        *,
        reason: str,
        released_by: str,
        actor: str,
        now: datetime | None = None,
    ) -> None:
        """Release the hold in force on an item alone; it follows normal retention again
        (the caller checks first that no filed report still requires the hold)."""
        at = now or utcnow()
        with self._writing() as session:
            row = _active_hold(session, case_id=None, item_id=item_id)
            if row is None:
                raise LegalHoldError("this item is not under legal hold", value=item_id)
            row.released_by, row.released_at = released_by, at
            row.release_reason = reason.strip()[:2000] or None
            item = session.get(ItemRow, item_id)
            self._audit.append(
                session,
                action="item.legal_hold_released",
                actor=actor,
                actor_kind=ActorKind.HUMAN,
                subject_type="item",
                subject_id=item.content_id if item is not None else str(item_id),
                details={"hold_id": row.id, "reason": (row.release_reason or "")[:1000]},
                at=at,
            )

    def reports(self, *, limit: int = 200) -> list[ChildSafetyReportInfo]:
        """Queued first (soonest due), then filed (newest first)."""
        query = (
            select(ChildSafetyReportRow, CaseRow.case_number)
            .outerjoin(CaseRow, CaseRow.id == ChildSafetyReportRow.case_id)
            .order_by(
                ChildSafetyReportRow.status.desc(),
                ChildSafetyReportRow.due_at,
                ChildSafetyReportRow.id.desc(),
            )
            .limit(limit)
        )
        with self._reading() as session:
            return [_info(r, n or "") for r, n in session.execute(query).all()]

    def for_item(self, item_id: int) -> list[ChildSafetyReportInfo]:
        """The reports prepared on an item alone, one per agency."""
        with self._reading() as session:
            rows = session.scalars(
                select(ChildSafetyReportRow)
                .where(ChildSafetyReportRow.item_id == item_id)
                .order_by(ChildSafetyReportRow.id)
            )
            return [_info(r, "") for r in rows]

    def get(self, report: int) -> ChildSafetyReportInfo:
        with self._reading() as session:
            row = session.get(ChildSafetyReportRow, report)
            if row is None:
                raise ReportNotFoundError("no such prepared report", value=report)
            return _info(row, _subject(session, row)[2])

    def hold_until(
        self, case_id: int | None = None, *, item_id: int | None = None
    ) -> datetime | None:
        """The latest preservation date a filed report set on the case, or on the item
        (None: none filed)."""
        column = ChildSafetyReportRow.item_id if case_id is None else ChildSafetyReportRow.case_id
        with self._reading() as session:
            dates = session.scalars(
                select(ChildSafetyReportRow.hold_until).where(
                    column == (item_id if case_id is None else case_id),
                    ChildSafetyReportRow.hold_until.is_not(None),
                )
            )
            return max((d for d in dates if d is not None), default=None)


def _case(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise ReportNotFoundError("no such case", value=case_id)
    return row


def _subject(session: Session, row: ChildSafetyReportRow) -> tuple[str, str, str]:
    """``(subject type, subject id, case number)`` of a report, for the trail and records."""
    if row.case_id is not None:
        number = _case(session, row.case_id).case_number
        return "case", number, number
    item = session.get(ItemRow, row.item_id) if row.item_id is not None else None
    content = row.fields.get("content") or [{}]
    return "item", item.content_id if item else str(content[0].get("content_id", "")), ""


def _item_report(session: Session, item_id: int, agency: str) -> ChildSafetyReportRow | None:
    return session.scalar(
        select(ChildSafetyReportRow).where(
            ChildSafetyReportRow.item_id == item_id, ChildSafetyReportRow.agency == agency
        )
    )


def _active_hold(
    session: Session, *, case_id: int | None, item_id: int | None
) -> LegalHoldRow | None:
    where = (
        LegalHoldRow.case_id == case_id
        if case_id is not None
        else (LegalHoldRow.item_id == item_id) & LegalHoldRow.case_id.is_(None)
    )
    return session.scalar(select(LegalHoldRow).where(where, LegalHoldRow.released_at.is_(None)))


def _info(r: ChildSafetyReportRow, case_number: str) -> ChildSafetyReportInfo:
    return record_of(ChildSafetyReportInfo, r, case_number=case_number, fields=dict(r.fields or {}))


__all__ = [
    "ChildSafetyReportInfo",
    "ChildSafetyReportRow",
    "ChildSafetyStore",
    "ReportAlreadyFiledError",
    "ReportDraft",
    "ReportNotFoundError",
]
