"""Work that people resolve: victims' cases, the review desk, appeals and four-eyes approvals.

:class:`CaseStore` keeps takedown requests from the victim portal. A case is stored
from its first submission (``received_at``); the legal clock starts only when every
required element is present (``valid_at``, ``due_at``). The hashes the requester's
browser computed wait in ``case_hashes`` as ``pending``: they match nothing until a
moderator approves them into a victim bank. The access code is shown once and kept
only as an argon2 hash.

:class:`ReviewDeskStore` holds what the review UI reads and writes besides items and
decisions: the open queue joined with its items, uploader history, media reveals,
bank-addition approvals (a second, different person must approve), appeals, and the
encrypted review media where a platform opted in.

Legal hold: a case can be put under hold (and released) by an admin or auditor;
``legal_holds`` keeps every hold with who placed and released it and why. Items
linked to a case under hold are kept past their retention (see :func:`held_item_ids`
for what "linked" means). Media reveals and hold changes are chained into the audit
trail in the transaction that writes their row.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, Index, String, Text, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.errors import ConflictError, InputError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.items import item_info
from shieldwall.store.models import Base, BigId, utcnow
from shieldwall.store.service_models import DecisionRow, ItemRow, ReviewTaskRow
from shieldwall.store.service_records import ItemInfo
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import (
    AppealRow,
    BankApprovalRow,
    CaseHashRow,
    CaseRow,
    MediaRevealRow,
    ReviewMediaRow,
)

_hasher = PasswordHasher()
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand

INCOMPLETE = "incomplete"
UNDER_REVIEW = "under_review"
ACTIONED = "actioned"
WITHDRAWN = "withdrawn"
CLOSED = "closed"

HUNT_HELD = "held"
HUNT_DONE = "done"


HOLD_ROLES = ("admin", "auditor")
"""Staff roles that may place or release a legal hold."""


class CaseNotFoundError(NotFoundError):
    code = "case_not_found"


class LegalHoldError(ConflictError):
    """A hold that is already in force was placed again, or a case without one released."""

    code = "legal_hold_conflict"


class LegalHoldRow(Base):
    """One legal hold on a case: in force while ``released_at`` is empty (migration 0007).

    Rows are never deleted, so the history of holds stays readable next to the trail.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class LegalHoldInfo:
    id: int
    case_id: int
    case_number: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None

    @property
    def active(self) -> bool:
        return self.released_at is None


class FourEyesError(ConflictError):
    """The same person tried to be both eyes (approve their own request, decide on an appeal
    against their own decision)."""

    code = "four_eyes"


class ApprovalNotFoundError(NotFoundError):
    code = "approval_not_found"


class AppealNotFoundError(NotFoundError):
    code = "appeal_not_found"


@dataclass(frozen=True, slots=True)
class CaseHashInfo:
    id: int
    signal_type: str
    value: str
    quality: int | None
    status: str
    entry_id: int | None
    variants: tuple[tuple[str, str], ...] = ()
    """Region hashes of a PDQ, ``(window name, hex)`` (``robust.BANK_WINDOWS``)."""


@dataclass(frozen=True, slots=True)
class CaseInfo:
    id: int
    case_number: str
    status: str
    jurisdiction: str
    details: dict[str, Any]
    missing: list[str]
    received_at: datetime
    valid_at: datetime | None
    due_at: datetime | None
    actioned_at: datetime | None
    copies_actioned_at: datetime | None
    requester_notified_at: datetime | None
    closed_at: datetime | None
    copies_found: int
    copies_removed: int
    reviewed_by: str | None
    hashes: tuple[CaseHashInfo, ...]
    hunt_state: str | None = None
    """``held``: approved, removing already-published copies waits for a second moderator;
    ``done``: the retro-hunt ran; ``None``: not approved yet."""
    hunt_approved_by: str | None = None

    @property
    def removal_held(self) -> bool:
        return self.hunt_state == HUNT_HELD


@dataclass(frozen=True, slots=True)
class QueueTask:
    """An open review task with its item, as the queue page lists it."""

    task_id: int
    queue: str
    priority: str
    due_at: datetime | None
    created_at: datetime
    decision_id: str
    item: ItemInfo


@dataclass(frozen=True, slots=True)
class ApprovalInfo:
    id: int
    item_id: int
    bank: str
    requested_by: str
    reason: str
    status: str
    decided_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AppealInfo:
    id: int
    item_id: int
    decision_id: str
    original_decider: str
    reason: str
    status: str
    outcome: str | None
    decided_by: str | None
    new_decision_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RevealInfo:
    item_id: int
    username: str
    revealed_at: datetime


def _code(groups: int) -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(groups))


class _Repo(SessionScoped):
    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        # Without the runtime's writer events are still chained, only not checkpoint-signed.
        self._audit = audit or AuditWriter()


class CaseStore(_Repo):
    """Takedown requests from the victim portal."""

    def create_case(
        self,
        *,
        jurisdiction: str,
        details: dict[str, Any],
        missing: Sequence[str],
        hashes: Sequence[tuple[str, str, int | None]],
        due_hours: float | None,
        variants: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        now: datetime | None = None,
    ) -> tuple[CaseInfo, str]:
        """Store a request; returns it with its access code (shown once, stored hashed).

        ``variants`` maps a PDQ of ``hashes`` to its region hashes ``(window name, hex)``,
        kept on that PDQ's row (the caller has validated them against the windows)."""
        at = now or utcnow()
        code = _code(4)
        with self._writing() as session:
            row = CaseRow(
                case_number=f"SW-{_code(2)}",
                access_code_hash=_hasher.hash(code),
                status=INCOMPLETE,
                jurisdiction=jurisdiction,
                details=dict(details),
                missing=list(missing),
                received_at=at,
                copies_found=0,
                copies_removed=0,
            )
            _set_validity(row, missing, due_hours, at)
            session.add(row)
            session.flush()
            seen: set[tuple[str, str]] = set()
            extra = variants or {}
            for kind, value, quality in hashes:
                if (kind, value) in seen:
                    continue
                seen.add((kind, value))
                session.add(
                    CaseHashRow(
                        case_id=row.id,
                        signal_type=kind,
                        value=value,
                        quality=quality,
                        status="pending",
                        created_at=at,
                        variants=_variant_rows(extra.get(value) if kind == "pdq" else None),
                    )
                )
            session.flush()
            return _case(session, row), code

    def complete_case(
        self,
        case_id: int,
        *,
        details: dict[str, Any],
        missing: Sequence[str],
        due_hours: float | None,
        jurisdiction: str,
        now: datetime | None = None,
    ) -> CaseInfo:
        """Add what was missing; the clock starts the moment nothing is missing any more."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.status == INCOMPLETE:
                row.details = dict(details)
                row.missing = list(missing)
                row.jurisdiction = jurisdiction
                _set_validity(row, missing, due_hours, at)
            session.flush()
            return _case(session, row)

    def verify_access(self, case_number: str, code: str) -> CaseInfo | None:
        """The case when the number and code fit; None otherwise (same answer for both)."""
        if "\x00" in case_number:  # no case number holds one, and PostgreSQL refuses it
            case_number = ""
        with self._reading() as session:
            row = session.scalar(
                select(CaseRow).where(CaseRow.case_number == case_number.strip().upper())
            )
            stored = row.access_code_hash if row else _DUMMY
            ok: bool
            try:
                ok = _hasher.verify(stored, code.strip().upper())
            except (VerificationError, InvalidHashError):
                ok = False
            return _case(session, row) if ok and row is not None else None

    def get(self, case_id: int) -> CaseInfo:
        with self._reading() as session:
            return _case(session, _case_row(session, case_id))

    def list_cases(
        self, *, statuses: Sequence[str], limit: int = 200, offset: int = 0
    ) -> list[CaseInfo]:
        """One page of cases, soonest deadline first; :meth:`count_cases` gives the total, so
        a page never passes for the whole queue."""
        query = (
            select(CaseRow)
            .where(CaseRow.status.in_(list(statuses)))
            .order_by(CaseRow.due_at.is_(None), CaseRow.due_at, CaseRow.id)
            .limit(limit)
            .offset(max(offset, 0))
        )
        with self._reading() as session:
            return [_case(session, r) for r in session.scalars(query)]

    def count_cases(self, *, statuses: Sequence[str], since: datetime | None = None) -> int:
        """How many cases have one of ``statuses`` (received at or after ``since``)."""
        query = select(func.count(CaseRow.id)).where(CaseRow.status.in_(list(statuses)))
        if since is not None:
            query = query.where(CaseRow.received_at >= since)
        with self._reading() as session:
            return int(session.scalar(query) or 0)

    def approve_hashes(
        self, case_id: int, *, entry_ids: dict[int, int], reviewed_by: str
    ) -> CaseInfo:
        """Mark pending hashes approved with the bank entry each became."""
        with self._writing() as session:
            row = _case_row(session, case_id)
            for h in session.scalars(select(CaseHashRow).where(CaseHashRow.case_id == case_id)):
                if h.id in entry_ids and h.status == "pending":
                    h.status, h.entry_id = "approved", entry_ids[h.id]
            row.reviewed_by = reviewed_by
            session.flush()
            return _case(session, row)

    def set_hunt(self, case_id: int, *, state: str, approved_by: str | None = None) -> CaseInfo:
        """Record that the retro-hunt is held for a second approval, or that it ran."""
        if state not in (HUNT_HELD, HUNT_DONE):
            raise InputError("unknown hunt state", value=state)
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.hunt_state != HUNT_DONE:
                row.hunt_state = state
                row.hunt_approved_by = approved_by
            session.flush()
            return _case(session, row)

    def record_actioned(
        self, case_id: int, *, found: int, removed: int, now: datetime | None = None
    ) -> CaseInfo:
        """The retro-hunt ran: how many copies were found and taken down."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            row.copies_found = found
            row.copies_removed = removed
            row.actioned_at = row.actioned_at or at
            row.copies_actioned_at = at
            # The status page is how the requester is told in this version (no e-mail).
            row.requester_notified_at = at
            if row.status == UNDER_REVIEW:
                row.status = ACTIONED
            session.flush()
            return _case(session, row)

    def withdraw(self, case_id: int, *, now: datetime | None = None) -> CaseInfo:
        """The requester withdrew: pending hashes are dropped, the case is closed. The caller
        withdraws the approved entries from their bank (``hashes[].entry_id``)."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            session.execute(
                update(CaseHashRow)
                .where(CaseHashRow.case_id == case_id, CaseHashRow.status != WITHDRAWN)
                .values(status=WITHDRAWN)
            )
            row.status = WITHDRAWN
            row.closed_at = row.closed_at or at
            session.flush()
            return _case(session, row)

    def close(self, case_id: int, *, now: datetime | None = None) -> CaseInfo:
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.status != WITHDRAWN:
                row.status = CLOSED
            row.closed_at = row.closed_at or now or utcnow()
            session.flush()
            return _case(session, row)

    def find_by_number(self, case_number: str) -> CaseInfo:
        with self._reading() as session:
            row = session.scalar(
                select(CaseRow).where(CaseRow.case_number == case_number.strip().upper())
            )
            if row is None:
                raise CaseNotFoundError("no case with this number", value=case_number)
            return _case(session, row)

    # -- legal hold ----------------------------------------------------------------------------

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
        query = (
            select(LegalHoldRow, CaseRow.case_number)
            .join(CaseRow, CaseRow.id == LegalHoldRow.case_id)
            .order_by(LegalHoldRow.id.desc())
            .limit(limit)
        )
        if active_only:
            query = query.where(LegalHoldRow.released_at.is_(None))
        with self._reading() as session:
            return [_hold(h, number) for h, number in session.execute(query).all()]


class ReviewDeskStore(_Repo):
    """Queue listing, uploader history, reveals, approvals, appeals and review media."""

    def open_queue(self, *, limit: int = 500) -> list[QueueTask]:
        query = (
            select(ReviewTaskRow, ItemRow)
            .join(ItemRow, ItemRow.id == ReviewTaskRow.item_id)
            .where(ReviewTaskRow.status == "open")
            .order_by(ReviewTaskRow.id)
            .limit(limit)
        )
        with self._reading() as session:
            return [
                QueueTask(
                    t.id, t.queue, t.priority, t.due_at, t.created_at, t.decision_id, item_info(i)
                )
                for t, i in session.execute(query).all()
            ]

    def counts(self) -> dict[str, int]:
        """True totals for the queue page's links (its lists stop at a page)."""
        with self._reading() as session:
            return {
                "tasks": int(
                    session.scalar(
                        select(func.count(ReviewTaskRow.id)).where(ReviewTaskRow.status == "open")
                    )
                    or 0
                ),
                "approvals": int(
                    session.scalar(
                        select(func.count(BankApprovalRow.id)).where(
                            BankApprovalRow.status == "pending"
                        )
                    )
                    or 0
                ),
                "appeals": int(
                    session.scalar(
                        select(func.count(AppealRow.id)).where(AppealRow.status == "open")
                    )
                    or 0
                ),
            }

    def open_task_ids(self, item_id: int) -> list[int]:
        with self._reading() as session:
            return list(
                session.scalars(
                    select(ReviewTaskRow.id).where(
                        ReviewTaskRow.item_id == item_id, ReviewTaskRow.status == "open"
                    )
                )
            )

    def item(self, item_id: int) -> ItemInfo | None:
        with self._reading() as session:
            row = session.get(ItemRow, item_id)
            return None if row is None else item_info(row)

    def uploader_items(self, uploader_id: str, *, limit: int = 20) -> list[ItemInfo]:
        query = (
            select(ItemRow)
            .where(ItemRow.uploader_id == uploader_id)
            .order_by(ItemRow.id.desc())
            .limit(limit)
        )
        with self._reading() as session:
            return [item_info(r) for r in session.scalars(query)]

    # -- reveals -----------------------------------------------------------------------------

    def add_reveal(self, *, item_id: int, user_id: int, username: str) -> RevealInfo:
        """Record a reveal and chain ``media.revealed`` with it (who, when, which item)."""
        at = utcnow()
        with self._writing() as session:
            row = MediaRevealRow(
                item_id=item_id, user_id=user_id, username=username, revealed_at=at
            )
            session.add(row)
            session.flush()
            item = session.get(ItemRow, item_id)
            # The actor is the pseudonymous staff handle, never the username (maybe an e-mail);
            # no media, only which item (its content id, so evidence bundles include it).
            self._audit.append(
                session,
                action="media.revealed",
                actor=f"staff:{user_id}",
                actor_kind=ActorKind.HUMAN,
                subject_type="content",
                subject_id=item.content_id[:200] if item is not None else f"item:{item_id}",
                details={"item_id": item_id, "reveal_id": row.id},
                at=at,
            )
        return RevealInfo(item_id, username, at)

    def reveals(self, *, item_id: int | None = None, limit: int = 200) -> list[RevealInfo]:
        query = select(MediaRevealRow).order_by(MediaRevealRow.id.desc()).limit(limit)
        if item_id is not None:
            query = query.where(MediaRevealRow.item_id == item_id)
        with self._reading() as session:
            return [
                RevealInfo(r.item_id, r.username, r.revealed_at) for r in session.scalars(query)
            ]

    # -- four-eyes bank approvals --------------------------------------------------------------

    def request_bank_add(
        self, *, item_id: int, bank: str, requested_by: str, reason: str
    ) -> ApprovalInfo:
        with self._writing() as session:
            row = BankApprovalRow(
                item_id=item_id,
                bank=bank,
                requested_by=requested_by,
                reason=reason,
                status="pending",
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return _approval(row)

    def approvals(self, *, status: str = "pending", limit: int = 200) -> list[ApprovalInfo]:
        query = (
            select(BankApprovalRow)
            .where(BankApprovalRow.status == status)
            .order_by(BankApprovalRow.id)
            .limit(limit)
        )
        with self._reading() as session:
            return [_approval(r) for r in session.scalars(query)]

    def decide_approval(self, approval_id: int, *, decided_by: str, approve: bool) -> ApprovalInfo:
        """Approve or reject a pending request; the requester can never approve their own."""
        with self._writing() as session:
            row = session.get(BankApprovalRow, approval_id)
            if row is None:
                raise ApprovalNotFoundError("no such approval request", value=approval_id)
            if row.requested_by == decided_by:
                raise FourEyesError(
                    "a second moderator must approve: you asked for this addition yourself"
                )
            if row.status == "pending":
                row.status = "approved" if approve else "rejected"
                row.decided_by = decided_by
                row.decided_at = utcnow()
            session.flush()
            return _approval(row)

    # -- appeals -------------------------------------------------------------------------------

    def create_appeal(
        self, *, item_id: int, decision_id: str, original_decider: str, reason: str
    ) -> AppealInfo:
        with self._writing() as session:
            found = session.scalar(
                select(AppealRow).where(
                    AppealRow.decision_id == decision_id, AppealRow.status == "open"
                )
            )
            if found is not None:  # one open appeal per decision; a repeat returns it
                return _appeal(found)
            row = AppealRow(
                item_id=item_id,
                decision_id=decision_id,
                original_decider=original_decider,
                reason=reason,
                status="open",
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return _appeal(row)

    def appeals(self, *, status: str = "open", limit: int = 200) -> list[AppealInfo]:
        query = (
            select(AppealRow).where(AppealRow.status == status).order_by(AppealRow.id).limit(limit)
        )
        with self._reading() as session:
            return [_appeal(r) for r in session.scalars(query)]

    def get_appeal(self, appeal_id: int) -> AppealInfo:
        with self._reading() as session:
            row = session.get(AppealRow, appeal_id)
            if row is None:
                raise AppealNotFoundError("no such appeal", value=appeal_id)
            return _appeal(row)

    def close_appeal(
        self, appeal_id: int, *, outcome: str, decided_by: str, new_decision_id: str | None
    ) -> AppealInfo:
        with self._writing() as session:
            row = session.get(AppealRow, appeal_id)
            if row is None:
                raise AppealNotFoundError("no such appeal", value=appeal_id)
            if row.original_decider == decided_by:
                raise FourEyesError("someone other than the original decider must decide")
            if row.status == "open":
                row.status, row.outcome, row.decided_by = "closed", outcome, decided_by
                row.new_decision_id, row.decided_at = new_decision_id, utcnow()
            session.flush()
            return _appeal(row)

    # -- review media (opt-in, encrypted by the caller) ----------------------------------------

    def put_media(self, *, item_id: int, media_type: str, nonce: bytes, ciphertext: bytes) -> None:
        with self._writing() as session:
            if session.get(ReviewMediaRow, item_id) is None:
                session.add(
                    ReviewMediaRow(
                        item_id=item_id,
                        media_type=media_type,
                        nonce=nonce,
                        ciphertext=ciphertext,
                        created_at=utcnow(),
                    )
                )

    def get_media(self, item_id: int) -> tuple[str, bytes, bytes] | None:
        with self._reading() as session:
            row = session.get(ReviewMediaRow, item_id)
            return None if row is None else (row.media_type, row.nonce, row.ciphertext)


_DUMMY = _hasher.hash("AAAA-AAAA-AAAA-AAAA")


def _set_validity(
    row: CaseRow, missing: Sequence[str], due_hours: float | None, at: datetime
) -> None:
    if missing:
        return
    row.valid_at = at
    row.due_at = None if due_hours is None else at + timedelta(hours=due_hours)
    row.status = UNDER_REVIEW


def _active_hold(session: Session, case_id: int) -> LegalHoldRow | None:
    return session.scalar(
        select(LegalHoldRow).where(
            LegalHoldRow.case_id == case_id, LegalHoldRow.released_at.is_(None)
        )
    )


def _hold(r: LegalHoldRow, case_number: str) -> LegalHoldInfo:
    return LegalHoldInfo(
        id=r.id,
        case_id=r.case_id,
        case_number=case_number,
        reason=r.reason,
        placed_by=r.placed_by,
        placed_at=r.placed_at,
        released_by=r.released_by,
        released_at=r.released_at,
        release_reason=r.release_reason,
    )


def held_item_ids(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Which of ``item_ids`` are linked to a case under legal hold.

    The link is computed, not stored: an item belongs to a case when one of its
    hashes equals a hash of the case (any status: exact PDQ, MD5 or SHA-256), or when
    one of its decisions matched a bank entry that a hash of the case became (how the
    retro-hunt records near-duplicate copies it found). Computing it means a hold
    covers copies found after it was placed, and costs nothing until retention runs.
    """
    if not item_ids:
        return set()
    hashes = session.execute(
        select(CaseHashRow.signal_type, CaseHashRow.value, CaseHashRow.entry_id)
        .join(LegalHoldRow, LegalHoldRow.case_id == CaseHashRow.case_id)
        .where(LegalHoldRow.released_at.is_(None))
    ).all()
    if not hashes:
        return set()
    by_type: dict[str, set[str]] = {"pdq": set(), "md5": set(), "sha256": set()}
    entries: set[int] = set()
    for kind, value, entry_id in hashes:
        by_type.setdefault(str(kind), set()).add(str(value).lower())
        if entry_id is not None:
            entries.add(int(entry_id))
    held: set[int] = set()
    ids = list(item_ids)
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        conds = [
            column.in_(sorted(values))
            for column, values in (
                (ItemRow.pdq, by_type["pdq"]),
                (ItemRow.md5, by_type["md5"]),
                (ItemRow.sha256, by_type["sha256"]),
            )
            if values
        ]
        if conds:
            held.update(
                session.scalars(select(ItemRow.id).where(ItemRow.id.in_(part), or_(*conds)))
            )
        if entries:
            for item_id, matches in session.execute(
                select(DecisionRow.item_id, DecisionRow.matches).where(
                    DecisionRow.item_id.in_(part)
                )
            ):
                if any(m.get("entry_id") in entries for m in matches or []):
                    held.add(int(item_id))
    return held


def _variant_rows(regions: Sequence[tuple[str, str]] | None) -> list[list[str]] | None:
    return [[name, value] for name, value in regions] if regions else None


def _case_row(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise CaseNotFoundError("no such case", value=case_id)
    return row


def _case(session: Session, r: CaseRow) -> CaseInfo:
    hashes = session.scalars(
        select(CaseHashRow).where(CaseHashRow.case_id == r.id).order_by(CaseHashRow.id)
    )
    return CaseInfo(
        id=r.id,
        case_number=r.case_number,
        status=r.status,
        jurisdiction=r.jurisdiction,
        details=dict(r.details or {}),
        missing=list(r.missing or []),
        received_at=r.received_at,
        valid_at=r.valid_at,
        due_at=r.due_at,
        actioned_at=r.actioned_at,
        copies_actioned_at=r.copies_actioned_at,
        requester_notified_at=r.requester_notified_at,
        closed_at=r.closed_at,
        copies_found=r.copies_found,
        copies_removed=r.copies_removed,
        reviewed_by=r.reviewed_by,
        hunt_state=r.hunt_state,
        hunt_approved_by=r.hunt_approved_by,
        hashes=tuple(
            CaseHashInfo(
                h.id,
                h.signal_type,
                h.value,
                h.quality,
                h.status,
                h.entry_id,
                tuple((str(n), str(v)) for n, v in h.variants or ()),
            )
            for h in hashes
        ),
    )


def _approval(r: BankApprovalRow) -> ApprovalInfo:
    return ApprovalInfo(
        r.id, r.item_id, r.bank, r.requested_by, r.reason, r.status, r.decided_by, r.created_at
    )


def _appeal(r: AppealRow) -> AppealInfo:
    return AppealInfo(
        id=r.id,
        item_id=r.item_id,
        decision_id=r.decision_id,
        original_decider=r.original_decider,
        reason=r.reason,
        status=r.status,
        outcome=r.outcome,
        decided_by=r.decided_by,
        new_decision_id=r.new_decision_id,
        created_at=r.created_at,
    )
