"""Items and decisions: what was seen and what was decided, written with their actions.

The central promise lives in :meth:`ItemStore.record`: the item, its decision
and every action the decision asks for (outbox rows) are written in ONE
transaction, before the API answers. A crash can delay an action; it can never
lose one, and it can never leave a decision without its actions.

The hot write path (one item, one decision, its outbox rows) runs as Core
``INSERT`` statements built once at import, on the session's connection: the
ORM unit of work (identity map, flush ordering, a second ``UPDATE`` for
``latest_decision_id``) cost more than the database work itself on every lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import NotFoundError
from shieldwall.store.audit_store import AuditWriter, decision_audit
from shieldwall.store.holds import held_item_ids
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import DecisionRow, ItemRow, OutboxRow
from shieldwall.store.service_records import (
    DecisionInfo,
    ItemInfo,
    NewDecision,
    NewItem,
    SeenHash,
)
from shieldwall.store.transactions import SessionScoped

_ITEMS = cast(Table, ItemRow.__table__)
_DECISIONS = cast(Table, DecisionRow.__table__)
_OUTBOX = cast(Table, OutboxRow.__table__)
# Built once so SQLAlchemy's compiled-statement cache is hit on every call.
_INSERT_ITEM = insert(_ITEMS)
_INSERT_DECISION = insert(_DECISIONS)
_INSERT_OUTBOX = insert(_OUTBOX)


class ItemNotFoundError(NotFoundError):
    code = "item_not_found"


class DecisionNotFoundError(NotFoundError):
    code = "decision_not_found"


class ItemStore(SessionScoped):
    """Repository for items, decisions and the outbox rows written with them."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()  # every decision is chained in its transaction

    # -- writes ------------------------------------------------------------------------------

    def record(
        self, *, item: NewItem, decision: NewDecision, checked: bool = False
    ) -> tuple[ItemInfo, DecisionInfo, bool]:
        """Store a new item with its first decision and actions, atomically.

        Idempotent by ``content_id``: when the item already exists nothing is
        written and the existing item and its latest decision come back with
        ``created=False``, so a client that retries gets the same answer.
        ``checked=True`` says the caller has just looked the content id up (the
        scan path does, to skip the work for repeats); the unique constraint
        still catches a race, so the second read is saved on the hot path.
        """
        if not checked:
            existing = self.find_item_with_decision(item.content_id)
            if existing is not None:
                return existing[0], existing[1], False
        try:
            with self._writing() as session:
                conn = session.connection()
                info = _insert_item(conn, item, latest_decision_id=decision.id)
                stored = _add_decision(conn, info.id, info.content_id, decision)
                # Audit: the decision.made event commits (or rolls back) with the decision.
                self._audit.append(session, **decision_audit(info, stored, decision))
                return info, stored, True
        except IntegrityError:
            # Another request stored the same content_id between our read and write.
            found = self.find_item_with_decision(item.content_id)
            if found is None:
                raise
            return found[0], found[1], False

    def add_decision(self, *, item_id: int, decision: NewDecision) -> DecisionInfo:
        """A further decision on a stored item (retro-hunt, review, appeal), with its actions."""
        with self._writing() as session:
            row = session.get(ItemRow, item_id)
            if row is None:
                raise ItemNotFoundError("no item with this id", value=item_id)
            conn = session.connection()
            stored = _add_decision(conn, row.id, row.content_id, decision)
            conn.execute(
                update(_ITEMS).where(_ITEMS.c.id == row.id).values(latest_decision_id=decision.id)
            )
            self._audit.append(session, **decision_audit(row, stored, decision))  # same transaction
            return stored

    def purge_expired(self, *, now: datetime | None = None) -> list[int]:
        """Delete items past their retention; returns their ids (for the seen index).

        Items linked to a case under legal hold are kept, with their decisions and
        evidence (see :func:`shieldwall.store.holds.held_item_ids`); once the hold is
        released the next pass purges them.
        """
        at = now or utcnow()
        with self._writing() as session:
            expired = list(
                session.scalars(
                    select(ItemRow.id).where(
                        ItemRow.expires_at.is_not(None), ItemRow.expires_at <= at
                    )
                )
            )
            held = held_item_ids(session, expired)
            ids = [i for i in expired if i not in held]
            if ids:
                session.execute(delete(ItemRow).where(ItemRow.id.in_(ids)))
            return ids

    # -- reads -------------------------------------------------------------------------------

    def find_item_with_decision(self, content_id: str) -> tuple[ItemInfo, DecisionInfo] | None:
        with self._reading() as session:
            row = session.scalar(select(ItemRow).where(ItemRow.content_id == content_id))
            if row is None:
                return None
            drow = (
                session.get(DecisionRow, row.latest_decision_id) if row.latest_decision_id else None
            )
            if drow is None:
                return None
            return item_info(row), decision_info(drow)

    def get_item(self, content_id: str) -> ItemInfo:
        with self._reading() as session:
            row = session.scalar(select(ItemRow).where(ItemRow.content_id == content_id))
            if row is None:
                raise ItemNotFoundError("no item with this content_id", value=content_id)
            return item_info(row)

    def items_by_ids(self, ids: Sequence[int]) -> dict[int, ItemInfo]:
        if not ids:
            return {}
        with self._reading() as session:
            rows = session.scalars(select(ItemRow).where(ItemRow.id.in_(list(ids))))
            return {r.id: item_info(r) for r in rows}

    def items_by_digest(
        self, *, md5: str | None = None, sha256: str | None = None
    ) -> list[ItemInfo]:
        """Items byte-identical to a file (exact retro-hunt)."""
        conds = []
        if md5:
            conds.append(ItemRow.md5 == md5)
        if sha256:
            conds.append(ItemRow.sha256 == sha256)
        if not conds:
            return []
        with self._reading() as session:
            return [item_info(r) for r in session.scalars(select(ItemRow).where(or_(*conds)))]

    def get_decision(self, decision_id: str) -> DecisionInfo:
        with self._reading() as session:
            row = session.get(DecisionRow, decision_id)
            if row is None:
                raise DecisionNotFoundError("no decision with this id", value=decision_id)
            return decision_info(row)

    def decisions_for_item(self, item_id: int) -> list[DecisionInfo]:
        with self._reading() as session:
            rows = session.scalars(
                select(DecisionRow)
                .where(DecisionRow.item_id == item_id)
                .order_by(DecisionRow.created_at, DecisionRow.id)
            )
            return [decision_info(r) for r in rows]

    def list_decisions(
        self,
        *,
        verdict: str | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[DecisionInfo]:
        """Decisions newest first, filtered; ``after`` is the (created_at, id) cursor of the
        last row of the previous page (keyset pagination: stable while rows are added)."""
        query = select(DecisionRow)
        if verdict:
            query = query.where(DecisionRow.verdict == verdict)
        if source:
            query = query.where(DecisionRow.source == source)
        if since:
            query = query.where(DecisionRow.created_at >= since)
        if until:
            query = query.where(DecisionRow.created_at < until)
        if after:
            at, last_id = after
            query = query.where(
                or_(
                    DecisionRow.created_at < at,
                    (DecisionRow.created_at == at) & (DecisionRow.id < last_id),
                )
            )
        query = query.order_by(DecisionRow.created_at.desc(), DecisionRow.id.desc()).limit(limit)
        with self._reading() as session:
            return [decision_info(r) for r in session.scalars(query)]

    def iter_seen_pdq(self, *, after_id: int = 0, chunk: int = 100_000) -> Iterator[list[SeenHash]]:
        """PDQ hashes of stored items with id > ``after_id``, in id order (retro-hunt index)."""
        last = after_id
        while True:
            with self._reading() as session:
                rows = session.execute(
                    select(ItemRow.id, ItemRow.pdq)
                    .where(ItemRow.id > last, ItemRow.pdq.is_not(None))
                    .order_by(ItemRow.id)
                    .limit(chunk)
                ).all()
            if not rows:
                return
            yield [SeenHash(item_id=r[0], pdq=r[1]) for r in rows if r[1]]
            last = rows[-1][0]

    def max_item_id(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(func.max(ItemRow.id))) or 0)

    def count_items(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(func.count(ItemRow.id))) or 0)


def _insert_item(conn: Connection, item: NewItem, *, latest_decision_id: str) -> ItemInfo:
    """Insert ``item`` (already pointing at its first decision) and return it as stored.

    ``latest_decision_id`` is written with the row, which saves the ``UPDATE``
    the ORM used to issue after the decision; ``items`` has no foreign key to
    ``decisions``, and nobody sees either row before the transaction commits.
    """
    created_at = utcnow()
    jurisdictions = list(item.jurisdictions)
    metadata = dict(item.metadata)
    result = conn.execute(
        _INSERT_ITEM,
        {
            "content_id": item.content_id,
            "source": item.source,
            "surface": item.surface,
            "uploader_id": item.uploader_id,
            "media_type": item.media_type,
            "pdq": item.pdq,
            "pdq_quality": item.pdq_quality,
            "md5": item.md5,
            "sha256": item.sha256,
            "width": item.width,
            "height": item.height,
            "text": item.text,
            "url": item.url,
            "jurisdictions": jurisdictions,
            "metadata": metadata,
            "created_at": created_at,
            "expires_at": item.expires_at,
            "latest_decision_id": latest_decision_id,
        },
    )
    pk = result.inserted_primary_key
    if pk is None or pk[0] is None:  # pragma: no cover - every supported backend reports it
        raise RuntimeError("the database did not report the new item's id")
    return ItemInfo(
        id=int(pk[0]),
        content_id=item.content_id,
        source=item.source,
        surface=item.surface,
        uploader_id=item.uploader_id,
        media_type=item.media_type,
        pdq=item.pdq,
        pdq_quality=item.pdq_quality,
        md5=item.md5,
        sha256=item.sha256,
        width=item.width,
        height=item.height,
        text=item.text,
        url=item.url,
        jurisdictions=tuple(jurisdictions),
        metadata=metadata,
        created_at=created_at,
        expires_at=item.expires_at,
        latest_decision_id=latest_decision_id,
    )


def _add_decision(
    conn: Connection, item_id: int, content_id: str, decision: NewDecision
) -> DecisionInfo:
    """Insert ``decision`` for an item and one outbox row per action (one statement each).

    The caller points the item's ``latest_decision_id`` at it.
    """
    created_at = utcnow()
    conn.execute(
        _INSERT_DECISION,
        {
            "id": decision.id,
            "item_id": item_id,
            "content_id": content_id,
            "source": decision.source,
            "verdict": decision.verdict,
            "policy_version": decision.policy_version,
            "fired": decision.fired,
            "reasons": decision.reasons,
            "matches": decision.matches,
            "signals": decision.signals,
            "notes": decision.notes,
            "decided_by": decision.decided_by,
            "created_at": created_at,
        },
    )
    outbox: list[dict[str, Any]] = []
    for action in decision.actions:
        payload = dict(action.payload)
        if "item_id" in payload and payload["item_id"] is None:
            payload["item_id"] = item_id  # known only now, inside the transaction
        outbox.append(
            {
                "decision_id": decision.id,
                "kind": action.kind,
                "payload": payload,
                "idempotency_key": action.idempotency_key,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": created_at,
                "last_error": None,
                "created_at": created_at,
            }
        )
    if outbox:
        conn.execute(_INSERT_OUTBOX, outbox)  # executemany: one round trip on both backends
    return DecisionInfo(
        id=decision.id,
        item_id=item_id,
        content_id=content_id,
        source=decision.source,
        verdict=decision.verdict,
        policy_version=decision.policy_version,
        fired=list(decision.fired or []),
        reasons=list(decision.reasons or []),
        matches=list(decision.matches or []),
        signals=list(decision.signals or []),
        notes=list(decision.notes or []),
        decided_by=decision.decided_by,
        created_at=created_at,
    )


def item_info(r: ItemRow) -> ItemInfo:
    """An item row as the plain record the rest of the code uses."""
    return ItemInfo(
        id=r.id,
        content_id=r.content_id,
        source=r.source,
        surface=r.surface,
        uploader_id=r.uploader_id,
        media_type=r.media_type,
        pdq=r.pdq,
        pdq_quality=r.pdq_quality,
        md5=r.md5,
        sha256=r.sha256,
        width=r.width,
        height=r.height,
        text=r.text,
        url=r.url,
        jurisdictions=tuple(r.jurisdictions or ()),
        metadata=dict(r.meta or {}),
        created_at=r.created_at,
        expires_at=r.expires_at,
        latest_decision_id=r.latest_decision_id,
    )


def decision_info(r: DecisionRow) -> DecisionInfo:
    """A decision row as the plain record the rest of the code uses."""
    return DecisionInfo(
        id=r.id,
        item_id=r.item_id,
        content_id=r.content_id,
        source=r.source,
        verdict=r.verdict,
        policy_version=r.policy_version,
        fired=list(r.fired or []),
        reasons=list(r.reasons or []),
        matches=list(r.matches or []),
        signals=list(r.signals or []),
        notes=list(r.notes or []),
        decided_by=r.decided_by,
        created_at=r.created_at,
    )


def jsonable(value: Any) -> Any:
    """Make enums and tuples JSON-friendly for the JSON columns."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, int | float | str | bool):
        return value.value
    return value
