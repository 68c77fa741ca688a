"""Every legal clock of a victim's case, with the event that started it (migration 0011).

The rules (which regime, which elements, how long) are pure functions in
``policy/legal_clocks.py``; this module stores what they produced, never rewrites a start,
and keeps the case's ``due_at`` at the soonest clock so queues stay deadline-ordered. Each
start and each extension is chained into the audit trail with the row it writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import NotFoundError
from shieldwall.policy.legal_clocks import LegalClock
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow


class CaseForClockNotFoundError(NotFoundError):
    code = "case_not_found"


class CaseClockRow(Base):
    """One legal clock of one case (an Australian removal notice is one clock per notice)."""

    __tablename__ = "case_clocks"
    __table_args__ = (
        Index("ix_case_clocks_case_id", "case_id"),
        UniqueConstraint("case_id", "regime", "notice_id", name="uq_case_clocks_regime"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    start_event: Mapped[str] = mapped_column(Text)
    notice_id: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    extension_hours: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True, slots=True)
class ClockInfo:
    case_id: int
    regime: str
    source: str
    start_event: str
    notice_id: str
    started_at: datetime
    due_at: datetime
    extension_hours: float


class CaseClockStore(SessionScoped):
    """Legal clocks of victims' cases."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def start(
        self,
        case_id: int,
        clocks: Sequence[LegalClock],
        *,
        actor: str,
        actor_kind: ActorKind = ActorKind.HUMAN,
        extension_hours: float = 0.0,
    ) -> list[ClockInfo]:
        """Record clocks not yet running (a started clock never moves); a known notice with a
        later due time is an extension. Returns every clock of the case."""
        with self._writing() as session:
            case = session.get(CaseRow, case_id)
            if case is None:
                raise CaseForClockNotFoundError("no such case", value=case_id)
            rows = {(r.regime, r.notice_id): r for r in _rows(session, [case_id])}
            for c in clocks:
                row = rows.get((c.regime, c.notice_id))
                action = "case.clock_started"
                if row is None:
                    row = CaseClockRow(
                        case_id=case_id,
                        regime=c.regime,
                        source=c.source,
                        start_event=c.start_event,
                        notice_id=c.notice_id,
                        started_at=c.started_at,
                        due_at=c.due_at,
                        extension_hours=extension_hours,
                        created_at=utcnow(),
                    )
                    session.add(row)
                    rows[(c.regime, c.notice_id)] = row
                elif c.notice_id and c.due_at > row.due_at:
                    row.due_at, row.extension_hours = c.due_at, extension_hours
                    action = "case.clock_extended"
                else:
                    continue
                session.flush()
                self._audit.append(
                    session,
                    action=action,
                    actor=actor,
                    actor_kind=actor_kind,
                    subject_type="case",
                    subject_id=case.case_number,
                    details={
                        "regime": c.regime,
                        "source": c.source,
                        "start_event": c.start_event,
                        "started_at": c.started_at.isoformat(),
                        "due_at": c.due_at.isoformat(),
                        "notice_id": c.notice_id,
                    },
                )
            if rows:
                case.due_at = min(r.due_at for r in rows.values())
            return [_info(r) for r in sorted(rows.values(), key=lambda r: r.due_at)]

    def for_cases(self, case_ids: Sequence[int]) -> dict[int, list[ClockInfo]]:
        out: dict[int, list[ClockInfo]] = defaultdict(list)
        if not case_ids:
            return out
        with self._reading() as session:
            for r in sorted(_rows(session, case_ids), key=lambda r: r.due_at):
                out[r.case_id].append(_info(r))
        return out


def _rows(session: Session, case_ids: Sequence[int]) -> list[CaseClockRow]:
    query = select(CaseClockRow).where(CaseClockRow.case_id.in_(list(case_ids)))
    return list(session.scalars(query))


def _info(r: CaseClockRow) -> ClockInfo:
    return ClockInfo(
        case_id=r.case_id,
        regime=r.regime,
        source=r.source,
        start_event=r.start_event,
        notice_id=r.notice_id,
        started_at=r.started_at,
        due_at=r.due_at,
        extension_hours=r.extension_hours,
    )


__all__ = ["CaseClockRow", "CaseClockStore", "ClockInfo"]
