"""The moderators' review queues: tasks opened by the worker, worked in due-date order.

A decision that needs a human writes a ``review`` action to the outbox; the
worker turns it into a task here. The outbox delivers at least once, so opening
a task is idempotent on the action's idempotency key: a redelivery finds the
task it already opened instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import InputError, NotFoundError
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import ReviewTaskRow
from shieldwall.store.service_records import ReviewTaskInfo
from shieldwall.store.transactions import SessionScoped

OPEN = "open"
CLOSED = "closed"
PRIORITIES = ("low", "normal", "high", "urgent")


class ReviewTaskNotFoundError(NotFoundError):
    code = "review_task_not_found"


class ReviewStore(SessionScoped):
    """Open, list, read and close review tasks."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def open_task(
        self,
        *,
        item_id: int,
        decision_id: str,
        queue: str,
        idempotency_key: str,
        priority: str = "normal",
        sla_hours: float | None = None,
        now: datetime | None = None,
    ) -> tuple[ReviewTaskInfo, bool]:
        """Open a task due ``sla_hours`` from now; returns ``(task, created)``.

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
        try:
            with self._writing() as session:
                row = ReviewTaskRow(
                    item_id=item_id,
                    decision_id=decision_id,
                    queue=queue,
                    priority=priority,
                    status=OPEN,
                    due_at=None if sla_hours is None else at + timedelta(hours=sla_hours),
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
