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

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import DuplicateDecisionError, NotFoundError
from shieldwall.store.audit_store import AuditWriter, decision_audit
from shieldwall.store.holds import held_item_ids
from shieldwall.store.models import utcnow
from shieldwall.store.service_models import DecisionRow, ItemRow, OutboxRow
from shieldwall.store.service_records import (
    DecisionInfo,
    ItemInfo,
    NewDecision,
    NewItem,
    Recorded,
    SeenHash,
)
from shieldwall.store.transactions import SessionScoped
from shieldwall.types import Verdict

_ITEMS = cast(Table, ItemRow.__table__)
_DECISIONS = cast(Table, DecisionRow.__table__)
_OUTBOX = cast(Table, OutboxRow.__table__)
# Built once so SQLAlchemy's compiled-statement cache is hit on every call.
# Items go in with ON CONFLICT DO NOTHING on content_id: a repeat writes nothing, returns
# no id and leaves the transaction usable, so one repeat never fails its batch-mates.
_INSERT_ITEMS_PG = (
    pg_insert(_ITEMS)
    .on_conflict_do_nothing(index_elements=["content_id"])
    .returning(_ITEMS.c.id, _ITEMS.c.content_id)
)
_INSERT_ITEMS_SQLITE = (
    sqlite_insert(_ITEMS)
    .on_conflict_do_nothing(index_elements=["content_id"])
    .returning(_ITEMS.c.id, _ITEMS.c.content_id)
)
_INSERT_DECISION = insert(_DECISIONS)
_NEW_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(NewItem))
_INSERT_OUTBOX = insert(_OUTBOX)
_INSERT_OUTBOX_IDS = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)


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
        (``checked`` is kept for callers written when a read preceded the write;
        the database's unique constraint now decides, with no read first.)
        """
        del checked
        done = self.record_many([(item, decision)])[0]
        return done.item, done.decision, done.created

    def record_many(self, batch: Sequence[tuple[NewItem, NewDecision]]) -> list[Recorded]:
        """Store several (item, first decision) pairs in ONE transaction, in order.

        The group commit's write: every item, decision, outbox row and the
        ``decision.made`` audit events (chained in batch order, one head read) commit
        together or not at all. Repeats are found by the database's own uniqueness
        (``INSERT ... ON CONFLICT DO NOTHING``), never by a read before the write:
        only a ``content_id`` that is already stored, or that an earlier pair of the
        same batch stored, costs a read, and it gets that stored decision back with
        ``created=False``, exactly as if it had been sent alone afterwards.
        """
        if not batch:
            return []
        with self._writing() as session:
            conn = session.connection()
            fresh: list[tuple[int, ItemInfo, NewDecision]] = []
            repeats: list[int] = []
            inserted = _insert_items(conn, [(item, decision.id) for item, decision in batch])
            for pos, ((_, decision), info) in enumerate(zip(batch, inserted, strict=True)):
                if info is None:
                    repeats.append(pos)
                else:
                    fresh.append((pos, info, decision))
            stored = _add_decisions(conn, [(info, decision) for _, info, decision in fresh])
            # Audit: the decision.made events commit (or roll back) with the decisions.
            self._audit.append_many(
                session,
                [
                    decision_audit(info, dinfo, decision)
                    for (_, info, decision), (dinfo, _) in zip(fresh, stored, strict=True)
                ],
            )
            out: list[Recorded | None] = [None] * len(batch)
            for (pos, info, _), (dinfo, outbox_ids) in zip(fresh, stored, strict=True):
                out[pos] = Recorded(info, dinfo, True, outbox_ids)
            if repeats:
                found = _find_with_decisions(session, {batch[p][0].content_id for p in repeats})
                for pos in repeats:
                    cid = batch[pos][0].content_id
                    if cid not in found:
                        raise RuntimeError(f"item {cid!r} is stored without a decision")
                    out[pos] = Recorded(found[cid][0], found[cid][1], False)
            return [r for r in out if r is not None]

    def add_decision(self, *, item_id: int, decision: NewDecision) -> DecisionInfo:
        """A further decision on a stored item (retro-hunt, review, appeal), with its actions.

        Raises :class:`DuplicateDecisionError` when ``decision.id`` is already stored (two
        writers of one deterministic id at once: the second writes nothing)."""
        try:
            with self._writing() as session:
                row = session.get(ItemRow, item_id)
                if row is None:
                    raise ItemNotFoundError("no item with this id", value=item_id)
                conn = session.connection()
                stored = _add_decision(conn, row.id, row.content_id, decision)
                conn.execute(
                    update(_ITEMS)
                    .where(_ITEMS.c.id == row.id)
                    .values(latest_decision_id=decision.id)
                )
                self._audit.append(session, **decision_audit(row, stored, decision))
                return stored
        except IntegrityError:
            with self._reading() as session:
                if session.get(DecisionRow, decision.id) is None:
                    raise
            raise DuplicateDecisionError(
                "a decision with this id is already stored", value=decision.id
            ) from None

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

    def stored_content_ids(self, content_ids: Sequence[str]) -> set[str]:
        """Which of these content ids are already stored (each stored item has a decision:
        both are written in one transaction). A corpus scan asks before hashing, so a
        restarted scan skips the files an earlier run already decided."""
        found: set[str] = set()
        ids = list(dict.fromkeys(content_ids))
        with self._reading() as session:
            for start in range(0, len(ids), 500):  # bound the IN list
                chunk = ids[start : start + 500]
                found.update(
                    session.scalars(select(ItemRow.content_id).where(ItemRow.content_id.in_(chunk)))
                )
        return found

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
                    select(ItemRow.id, ItemRow.pdq, ItemRow.pdq_views)
                    .where(ItemRow.id > last, ItemRow.pdq.is_not(None))
                    .order_by(ItemRow.id)
                    .limit(chunk)
                ).all()
            if not rows:
                return
            yield [SeenHash(item_id=r[0], pdq=r[1], views=_views(r[2])) for r in rows if r[1]]
            last = rows[-1][0]

    def max_item_id(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(func.max(ItemRow.id))) or 0)

    def count_items(self) -> int:
        with self._reading() as session:
            return int(session.scalar(select(func.count(ItemRow.id))) or 0)


def _insert_items(conn: Connection, batch: Sequence[tuple[NewItem, str]]) -> list[ItemInfo | None]:
    """Insert each item (already pointing at its first decision) in one statement; ``None``
    for an item whose ``content_id`` is already stored, or stored by an earlier item of the
    same batch (the unique constraint decides; nothing is written for it).

    One ``INSERT ... ON CONFLICT DO NOTHING ... RETURNING`` for the batch (SQLAlchemy's
    insertmanyvalues) instead of one round trip per item: a conflicting row returns
    nothing, so rows are matched back by ``content_id``, the first of a repeated id
    taking the stored row, as when the batch's requests come one after another.
    ``latest_decision_id`` is written with the row, which saves the ``UPDATE`` the ORM
    used to issue after the decision; ``items`` has no foreign key to ``decisions``, and
    nobody sees either row before the transaction commits.
    """
    created_at = utcnow()
    # Every NewItem field is a column of the same name and a field of ItemInfo, so each row
    # is written and returned from one mapping (the metadata copied once, for both).
    stored = [
        {
            **{name: getattr(item, name) for name in _NEW_ITEM_FIELDS},
            "jurisdictions": tuple(item.jurisdictions),
            "metadata": dict(item.metadata),
            "created_at": created_at,
            "latest_decision_id": decision_id,
        }
        for item, decision_id in batch
    ]
    params = [
        {
            **row,
            "jurisdictions": list(row["jurisdictions"]),
            "pdq_views": [list(v) for v in row["pdq_views"]] or None,
        }
        for row in stored
    ]
    stmt = _INSERT_ITEMS_PG if conn.dialect.name == "postgresql" else _INSERT_ITEMS_SQLITE
    new_ids = {content_id: int(new_id) for new_id, content_id in conn.execute(stmt, params)}
    # Popped: a later item with the same content_id is a repeat of the first.
    return [
        None
        if (new_id := new_ids.pop(row["content_id"], None)) is None
        else ItemInfo(id=new_id, **row)
        for row in stored
    ]


def _find_with_decisions(
    session: Session, content_ids: set[str]
) -> dict[str, tuple[ItemInfo, DecisionInfo]]:
    """Stored items with their latest decision, by content id (one read for a batch's repeats)."""
    rows = list(session.scalars(select(ItemRow).where(ItemRow.content_id.in_(content_ids))))
    ids = [r.latest_decision_id for r in rows if r.latest_decision_id]
    decisions = {
        d.id: d for d in session.scalars(select(DecisionRow).where(DecisionRow.id.in_(ids)))
    }
    return {
        r.content_id: (item_info(r), decision_info(decisions[r.latest_decision_id]))
        for r in rows
        if r.latest_decision_id in decisions
    }


def _add_decisions(
    conn: Connection, batch: Sequence[tuple[ItemInfo, NewDecision]]
) -> list[tuple[DecisionInfo, tuple[int, ...]]]:
    """Insert first decisions for new items (one statement) and their outbox rows (one more).

    Returns each decision as stored with the ids of its outbox rows, so the caller can
    hand those rows to the worker without reading them back.
    """
    if not batch:
        return []
    created_at = utcnow()
    conn.execute(
        _INSERT_DECISION,
        [_decision_params(info.id, info.content_id, d, created_at) for info, d in batch],
    )
    outbox: list[dict[str, Any]] = []
    owners: list[int] = []
    for pos, (info, decision) in enumerate(batch):
        rows = _outbox_params(info.id, decision, created_at)
        outbox += rows
        owners += [pos] * len(rows)
    ids: list[list[int]] = [[] for _ in batch]
    if outbox:
        returned = conn.execute(_INSERT_OUTBOX_IDS, outbox).scalars().all()
        for pos, outbox_id in zip(owners, returned, strict=True):
            ids[pos].append(int(outbox_id))
    return [
        (_decision_info(info.id, info.content_id, d, created_at), tuple(ids[pos]))
        for pos, (info, d) in enumerate(batch)
    ]


def _add_decision(
    conn: Connection, item_id: int, content_id: str, decision: NewDecision
) -> DecisionInfo:
    """Insert ``decision`` for an item and one outbox row per action (one statement each).

    The caller points the item's ``latest_decision_id`` at it.
    """
    created_at = utcnow()
    conn.execute(_INSERT_DECISION, _decision_params(item_id, content_id, decision, created_at))
    outbox = _outbox_params(item_id, decision, created_at)
    if outbox:
        conn.execute(_INSERT_OUTBOX, outbox)  # executemany: one round trip on both backends
    return _decision_info(item_id, content_id, decision, created_at)


def _decision_params(
    item_id: int, content_id: str, decision: NewDecision, created_at: datetime
) -> dict[str, Any]:
    return {
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
    }


def _outbox_params(
    item_id: int, decision: NewDecision, created_at: datetime
) -> list[dict[str, Any]]:
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
    return outbox


def _decision_info(
    item_id: int, content_id: str, decision: NewDecision, created_at: datetime
) -> DecisionInfo:
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
        pdq_views=_views(r.pdq_views),
    )


def _views(raw: object) -> tuple[tuple[str, str], ...]:
    """Stored ``[[name, pdq], ...]`` as pairs; anything malformed is left out, not raised."""
    if not isinstance(raw, list):
        return ()
    return tuple((str(v[0]), str(v[1])) for v in raw if isinstance(v, list | tuple) and len(v) == 2)


def decision_info(r: DecisionRow) -> DecisionInfo:
    """A decision row as the plain record the rest of the code uses."""
    return DecisionInfo(
        id=r.id,
        item_id=r.item_id,
        content_id=r.content_id,
        source=r.source,
        verdict=Verdict(r.verdict),
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
