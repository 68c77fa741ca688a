"""Notices to the person who made a victim's request, and the closing of a request.

A request closed without removal is a decision on the reporter's notice: they are told why
(a reason code, never a bare "closed") and how to complain. Under the UK Online Safety Act
2023 s.10(3B) the 48-hour duty does not apply when the provider considers the content is not
intimate image content, or the reporter is not the person shown nor acting for them; the EU
DSA Art. 16(5) asks that the notifier be told of the decision and the redress open to them.
The closing, the notice (shown on the reporter's status page), the ``case.reporter_notice``
webhook that lets the platform deliver it by its own channel, and their audit events are
written in one transaction (table ``case_notices``, migration 0014).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.casework import CLOSED, WITHDRAWN, status_when_closed
from shieldwall.errors import ConflictError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.outbox import webhook_row
from shieldwall.store.records import record_of
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow

CLOSURE = "closure"


class CaseAlreadyClosedError(ConflictError):
    code = "case_already_closed"


class CaseNoticeRow(Base):
    """A notice prepared for a request's reporter (migration 0014)."""

    __tablename__ = "case_notices"
    __table_args__ = (Index("ix_case_notices_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    complaint_route: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class CaseNoticeInfo:
    id: int
    case_id: int
    kind: str
    reason_code: str
    legal_basis: str
    text: str
    complaint_route: str
    created_by: str
    created_at: datetime


class CaseNoticeStore(SessionScoped):
    """Closing requests with a reason code, and the notices that tell their reporters."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def close_with_notice(
        self,
        case_id: int,
        *,
        reason_code: str,
        note: str,
        legal_basis: str,
        text: str,
        complaint_route: str,
        webhook: dict[str, Any],
        closed_by: str,
        actor: str,
        now: datetime | None = None,
    ) -> CaseNoticeInfo:
        """Close the case, store the notice and queue its webhook; a closed or withdrawn case
        is refused (one closing, one notice)."""
        at = now or utcnow()
        with self._writing() as session:
            case = session.get(CaseRow, case_id)
            if case is None:
                raise NotFoundError("no such case", value=case_id)
            if case.status in (CLOSED, WITHDRAWN):
                raise CaseAlreadyClosedError("this request is already closed", value=case_id)
            case.status = status_when_closed(case.status)
            case.closed_at = case.closed_at or at
            row = CaseNoticeRow(
                case_id=case_id,
                kind=CLOSURE,
                reason_code=reason_code,
                legal_basis=legal_basis,
                text=text,
                complaint_route=complaint_route,
                created_by=closed_by,
                created_at=at,
            )
            session.add(row)
            session.flush()
            session.add(
                webhook_row({**webhook, "notice_id": row.id}, key=f"case-notice:{row.id}", at=at)
            )
            for action, details in (
                ("case.closed", {"reason_code": reason_code, "note": note[:1000]}),
                (
                    "case.notice_sent",
                    {
                        "notice": row.id,
                        "reason_code": reason_code,
                        "legal_basis": legal_basis[:500],
                        "channels": ["status_page", "webhook"],
                    },
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
            return notice_info(row)

    def for_case(self, case_id: int) -> list[CaseNoticeInfo]:
        with self._reading() as session:
            return notices_of(session, case_id)


def notices_of(session: Session, case_id: int) -> list[CaseNoticeInfo]:
    """A case's notices, oldest first (read inside the caller's session)."""
    rows = session.scalars(
        select(CaseNoticeRow).where(CaseNoticeRow.case_id == case_id).order_by(CaseNoticeRow.id)
    )
    return [notice_info(r) for r in rows]


def notice_info(r: CaseNoticeRow) -> CaseNoticeInfo:
    return record_of(CaseNoticeInfo, r)


__all__ = [
    "CLOSURE",
    "CaseAlreadyClosedError",
    "CaseNoticeInfo",
    "CaseNoticeRow",
    "CaseNoticeStore",
    "notice_info",
    "notices_of",
]
