"""The review desk: moderators' queues, and everything done while reviewing an item.

Tasks: opened by the worker, worked in due-date order. The desk: the queue as the pages
list it, the uploader's history, media reveals (audited), four-eyes bank additions,
appeals, and opt-in encrypted review media. It used to be split in two repositories
(``ReviewStore``) over the same tables.

A decision that needs a human writes a ``review`` action to the outbox; the
worker turns it into a task here. The outbox delivers at least once, so opening
a task is idempotent on the action's idempotency key: a redelivery finds the
task it already opened instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.casework import require_second_pair_of_eyes
from shieldwall.errors import InputError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.items import item_info
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import ItemRow, ReviewTaskRow
from shieldwall.store.service_records import ItemInfo, ReviewTaskInfo
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import AppealRow, BankApprovalRow, MediaRevealRow, ReviewMediaRow

OPEN = "open"
CLOSED = "closed"
PRIORITIES = ("low", "normal", "high", "urgent")


class ReviewTaskNotFoundError(NotFoundError):
    code = "review_task_not_found"


class ReviewStore(SessionScoped):
    """The review desk: tasks (opened by the worker, worked in due-date order), the queue as
    the pages list it, uploader history, media reveals, four-eyes bank additions, appeals
    and opt-in review media. One repository for one aggregate, the review of an item."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        # Reveals are chained into the trail; without the runtime's writer events are still
        # chained, only not checkpoint-signed.
        self._audit = audit or AuditWriter()

    def open_task(
        self,
        *,
        item_id: int,
        decision_id: str,
        queue: str,
        idempotency_key: str,
        priority: str = "normal",
        sla_hours: float | None = None,
        due_at: datetime | None = None,
        now: datetime | None = None,
    ) -> tuple[ReviewTaskInfo, bool]:
        """Open a task due ``sla_hours`` from now, or at ``due_at`` (a case's deadline that
        the task inherits) when that is sooner; returns ``(task, created)``.

        Idempotent by ``idempotency_key``: a second call returns the first task
        with ``created=False`` and changes nothing.
        """
        if not queue:
            raise InputError("a review task needs a queue name", value=queue)
        if priority not in PRIORITIES:
            raise InputError(f"priority must be one of {', '.join(PRIORITIES)}", value=priority)
        if sla_hours is not None and sla_hours < 0:
            raise InputError("sla_hours must not be negative", value=sla_hours)
        found = self.find_by_key(idempotency_key)
        if found is not None:
            return found, False
        at = now or utcnow()
        due = None if sla_hours is None else at + timedelta(hours=sla_hours)
        if due_at is not None:
            due = due_at if due is None else min(due, due_at)
        try:
            with self._writing() as session:
                row = ReviewTaskRow(
                    item_id=item_id,
                    decision_id=decision_id,
                    queue=queue,
                    priority=priority,
                    status=OPEN,
                    due_at=due,
                    created_at=at,
                    idempotency_key=idempotency_key,
                )
                session.add(row)
                session.flush()
                return _info(row), True
        except IntegrityError:
            # A concurrent delivery of the same action won the race; the key is unique.
            found = self.find_by_key(idempotency_key)
            if found is None:
                raise
            return found, False

    def find_by_key(self, idempotency_key: str) -> ReviewTaskInfo | None:
        with self._sessions() as session:
            row = session.scalar(
                select(ReviewTaskRow).where(ReviewTaskRow.idempotency_key == idempotency_key)
            )
            return None if row is None else _info(row)

    def open_tasks(self, queue: str, *, limit: int = 100) -> list[ReviewTaskInfo]:
        """Open tasks of ``queue``, the most urgent deadline first (no deadline last)."""
        query = (
            select(ReviewTaskRow)
            .where(ReviewTaskRow.queue == queue, ReviewTaskRow.status == OPEN)
            .order_by(ReviewTaskRow.due_at.is_(None), ReviewTaskRow.due_at, ReviewTaskRow.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [_info(r) for r in session.scalars(query)]

    def get(self, task_id: int) -> ReviewTaskInfo:
        with self._sessions() as session:
            row = session.get(ReviewTaskRow, task_id)
            if row is None:
                raise ReviewTaskNotFoundError("no review task with this id", value=task_id)
            return _info(row)

    def close(self, task_id: int, *, now: datetime | None = None) -> ReviewTaskInfo:
        """Close a task (idempotent: closing a closed task keeps its first closing time)."""
        with self._writing() as session:
            session.execute(
                update(ReviewTaskRow)
                .where(ReviewTaskRow.id == task_id, ReviewTaskRow.status == OPEN)
                .values(status=CLOSED, closed_at=now or utcnow())
            )
        return self.get(task_id)

    # -- the desk: queue, history, reveals, approvals, appeals, media ------------------------

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
            require_second_pair_of_eyes(
                row.requested_by,
                decided_by,
                what="a second moderator must approve: you asked for this addition yourself",
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
            require_second_pair_of_eyes(
                row.original_decider,
                decided_by,
                what="someone other than the original decider must decide",
            )
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


"""The former name of the review desk's half of :class:`ReviewStore`."""


class ApprovalNotFoundError(NotFoundError):
    code = "approval_not_found"


class AppealNotFoundError(NotFoundError):
    code = "appeal_not_found"


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


def _info(r: ReviewTaskRow) -> ReviewTaskInfo:
    return ReviewTaskInfo(
        id=r.id,
        item_id=r.item_id,
        decision_id=r.decision_id,
        queue=r.queue,
        priority=r.priority,
        status=r.status,
        due_at=r.due_at,
        created_at=r.created_at,
        closed_at=r.closed_at,
    )
