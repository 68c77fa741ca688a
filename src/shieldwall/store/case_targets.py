"""Where a victim's request must be acted on, and what the platform says it did there.

A request names photos (hashed in the browser), links and usernames. Each place that
must be acted on is a *target* (``case_targets``, migration 0011):

- a stored item found through a reported link or content id, or found by the photos'
  fingerprints (retro-hunt): a removal is owed for it;
- a link or username that Shieldwall could not resolve to an item it has seen: the
  platform is asked to locate it and remove what is there.

Every target carries an ``action_id``, the id the platform confirms by
(``POST /v1/actions/{action_id}/outcome``): removed, not_found, not_ours, or kept with a
reason. Rows are never deleted. The rule that turns outcomes into a case status lives in
``pipeline/case_actions.py``; this module only stores, and chains each write into the
audit trail in its own transaction (``case.action_owed``, ``case.action_confirmed``,
``case.actioned``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import ConflictError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.items import item_info
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.service_models import ID_MAX, ItemRow
from shieldwall.store.service_records import ItemInfo
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import CaseRow

OUTCOMES = ("removed", "not_found", "not_ours", "kept")
"""What the platform may answer for an owed action (``kept`` needs a reason)."""


class ActionNotFoundError(NotFoundError):
    code = "action_not_found"


class OutcomeConflictError(ConflictError):
    """The action already has a different outcome: a recorded outcome is never rewritten."""

    code = "outcome_conflict"


class CaseTargetRow(Base):
    """One place a case must be acted on, and the platform's answer (migration 0011)."""

    __tablename__ = "case_targets"
    __table_args__ = (Index("ix_case_targets_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    action_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``url``, ``username`` or ``content_id`` (a reported location) or ``copy`` (found by
    the photos' fingerprints)."""
    location: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(24))
    """``remove`` (an item Shieldwall has seen) or ``locate_and_remove`` (unresolved)."""
    item_id: Mapped[int | None] = mapped_column(BigId)
    content_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    outcome_by: Mapped[str | None] = mapped_column(String(ID_MAX))
    outcome_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True, slots=True)
class NewTarget:
    action_id: str
    kind: str
    location: str
    action: str
    item_id: int | None = None
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class TargetInfo:
    id: int
    case_id: int
    action_id: str
    kind: str
    location: str
    action: str
    item_id: int | None
    content_id: str | None
    outcome: str | None
    outcome_reason: str | None
    outcome_by: str | None
    outcome_at: datetime | None
    created_at: datetime

    @property
    def done(self) -> bool:
        return self.outcome is not None


class CaseTargetStore(SessionScoped):
    """Targets of victims' cases and the platform's outcomes."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def items_at(
        self,
        *,
        urls: Sequence[str] = (),
        content_ids: Sequence[str] = (),
        uploaders: Sequence[str] = (),
        limit: int = 200,
    ) -> list[ItemInfo]:
        """Stored items whose URL, content id or uploader is one of those given (oldest first)."""
        conds = []
        if urls:
            conds.append(ItemRow.url.in_(list(urls)))
        if content_ids:
            conds.append(ItemRow.content_id.in_(list(content_ids)))
        if uploaders:
            conds.append(ItemRow.uploader_id.in_(list(uploaders)))
        if not conds:
            return []
        query = select(ItemRow).where(or_(*conds)).order_by(ItemRow.id).limit(limit)
        with self._reading() as session:
            return [item_info(r) for r in session.scalars(query)]

    def add(self, case_id: int, targets: Sequence[NewTarget], *, actor: str) -> list[TargetInfo]:
        """Record the targets not yet recorded (by ``action_id``); returns every target of the
        case. The search's result is chained as ``case.targets_found`` (also when it found
        nothing), each new target as ``case.action_owed``."""
        at = utcnow()
        with self._writing() as session:
            case = _case_row(session, case_id)
            known = set(
                session.scalars(
                    select(CaseTargetRow.action_id).where(
                        CaseTargetRow.action_id.in_([t.action_id for t in targets])
                    )
                )
            )
            fresh = [t for t in targets if t.action_id not in known]
            if fresh or not targets:
                # What approval found, counted by kind (no location text: the victim wrote it).
                counts: dict[str, int] = {}
                for t in fresh:
                    key = f"{t.kind}.{t.action}"
                    counts[key] = counts.get(key, 0) + 1
                self._audit.append(
                    session,
                    action="case.targets_found",
                    actor=actor,
                    actor_kind=ActorKind.HUMAN,
                    subject_type="case",
                    subject_id=case.case_number,
                    details={"targets": len(fresh), "by_kind": counts},
                    at=at,
                )
            for t in targets:
                if t.action_id in known:
                    continue
                known.add(t.action_id)
                row = CaseTargetRow(
                    case_id=case_id,
                    action_id=t.action_id,
                    kind=t.kind,
                    location=t.location[:2000],
                    action=t.action,
                    item_id=t.item_id,
                    content_id=t.content_id,
                    created_at=at,
                )
                session.add(row)
                session.flush()
                # No location text in the trail: it is what the victim wrote.
                self._audit.append(
                    session,
                    action="case.action_owed",
                    actor=actor,
                    actor_kind=ActorKind.HUMAN,
                    subject_type="case",
                    subject_id=case.case_number,
                    details={
                        "target_id": row.id,
                        "action_id": t.action_id,
                        "kind": t.kind,
                        "action": t.action,
                        "content_id": (t.content_id or "")[:200],
                    },
                    at=at,
                )
            return _targets(session, case_id)

    def for_case(self, case_id: int) -> list[TargetInfo]:
        with self._reading() as session:
            return _targets(session, case_id)

    def get(self, action_id: str) -> TargetInfo:
        with self._reading() as session:
            return _info(_target_row(session, action_id))

    def record_outcome(
        self, action_id: str, *, outcome: str, reason: str, by: str, now: datetime | None = None
    ) -> TargetInfo:
        """Store the platform's answer once; the same answer again is a no-op, a different
        one is refused (:class:`OutcomeConflictError`)."""
        at = now or utcnow()
        with self._writing() as session:
            row = _target_row(session, action_id)
            if row.outcome is not None:
                if row.outcome == outcome and (row.outcome_reason or "") == reason:
                    return _info(row)
                raise OutcomeConflictError(
                    f"this action already has the outcome '{row.outcome}'", value=action_id
                )
            row.outcome, row.outcome_reason = outcome, reason or None
            row.outcome_by, row.outcome_at = by[:ID_MAX], at
            case = _case_row(session, row.case_id)
            session.flush()
            self._audit.append(
                session,
                action="case.action_confirmed",
                subject_type="case",
                subject_id=case.case_number,
                details={
                    "target_id": row.id,
                    "action_id": action_id,
                    "outcome": outcome,
                    "reason": reason[:1000],
                },
                at=at,
            )
            return _info(row)

    def mark_awaiting(self, case_id: int, *, status: str, found: int, removed: int) -> None:
        """After approval, while outcomes are owed: the case waits in ``status``."""
        with self._writing() as session:
            row = _case_row(session, case_id)
            row.copies_found, row.copies_removed = found, removed
            if row.status in ("incomplete", "under_review", "actioned"):
                row.status = status

    def mark_actioned(
        self,
        case_id: int,
        *,
        from_statuses: Sequence[str],
        removed: int,
        reason: str,
        now: datetime | None = None,
    ) -> bool:
        """Every target has an outcome: the case is actioned (once; chained as
        ``case.actioned`` with ``reason``). False when it was not in ``from_statuses``."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.status not in from_statuses:
                return False
            row.status = "actioned"
            row.copies_removed = removed
            row.actioned_at = row.actioned_at or at
            row.copies_actioned_at = at
            # The status page is how the requester is told in this version (no e-mail).
            row.requester_notified_at = at
            session.flush()
            self._audit.append(
                session,
                action="case.actioned",
                subject_type="case",
                subject_id=row.case_number,
                details={"reason": reason, "removed": removed},
                at=at,
            )
            return True


def _case_row(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise ActionNotFoundError("no such case", value=case_id)
    return row


def _target_row(session: Session, action_id: str) -> CaseTargetRow:
    row = session.scalar(select(CaseTargetRow).where(CaseTargetRow.action_id == action_id))
    if row is None:
        raise ActionNotFoundError("no action with this id", value=action_id)
    return row


def _targets(session: Session, case_id: int) -> list[TargetInfo]:
    query = select(CaseTargetRow).where(CaseTargetRow.case_id == case_id).order_by(CaseTargetRow.id)
    return [_info(r) for r in session.scalars(query)]


def _info(r: CaseTargetRow) -> TargetInfo:
    return TargetInfo(
        id=r.id,
        case_id=r.case_id,
        action_id=r.action_id,
        kind=r.kind,
        location=r.location,
        action=r.action,
        item_id=r.item_id,
        content_id=r.content_id,
        outcome=r.outcome,
        outcome_reason=r.outcome_reason,
        outcome_by=r.outcome_by,
        outcome_at=r.outcome_at,
        created_at=r.created_at,
    )


__all__ = [
    "OUTCOMES",
    "ActionNotFoundError",
    "CaseTargetRow",
    "CaseTargetStore",
    "NewTarget",
    "OutcomeConflictError",
    "TargetInfo",
]
