"""Items and decisions: what was seen and decided, with filters and keyset cursors."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from fastapi import APIRouter, Query

from shieldwall.api.deps import Admin, LookupCaller, RowId, RuntimeDep
from shieldwall.api.problems import ProblemError
from shieldwall.api.schemas import DecisionPublic, DecisionsPage, ItemPublic, OutboxPublic
from shieldwall.api.views import decision_public, item_public, outbox_public

router = APIRouter(prefix="/v1", tags=["items"])


@router.get("/items/{content_id}", response_model=ItemPublic)
def get_item(content_id: str, rt: RuntimeDep, _: LookupCaller) -> ItemPublic:
    item = rt.items.get_item(content_id)
    return item_public(item, rt.items.decisions_for_item(item.id))


@router.get("/decisions/{decision_id}", response_model=DecisionPublic)
def get_decision(decision_id: str, rt: RuntimeDep, _: LookupCaller) -> DecisionPublic:
    return decision_public(rt.items.get_decision(decision_id))


@router.get("/decisions", response_model=DecisionsPage)
def list_decisions(
    rt: RuntimeDep,
    _: LookupCaller,
    verdict: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> DecisionsPage:
    """Newest first. Pass ``next_cursor`` back as ``cursor`` for the next page."""
    after = _decode_cursor(cursor) if cursor else None
    rows = rt.items.list_decisions(
        verdict=verdict, source=source, since=since, until=until, after=after, limit=limit
    )
    next_cursor = _encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
    return DecisionsPage(decisions=[decision_public(d) for d in rows], next_cursor=next_cursor)


@router.get("/outbox", response_model=list[OutboxPublic], tags=["outbox"])
def list_outbox(
    rt: RuntimeDep,
    _: Admin,
    status: str | None = Query(None, pattern="^(pending|held|delivered|dead)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[OutboxPublic]:
    """Owed actions; ``status=dead`` is the dead-letter list."""
    return [outbox_public(o) for o in rt.outbox.list_entries(status=status, limit=limit)]


@router.post("/outbox/{outbox_id}/replay", response_model=OutboxPublic, tags=["outbox"])
def replay_outbox(outbox_id: RowId, rt: RuntimeDep, _: Admin) -> OutboxPublic:
    """Put a dead letter back in the queue (attempts reset)."""
    return outbox_public(rt.outbox.replay(outbox_id))


def _encode_cursor(at: datetime, decision_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{decision_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, did = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), did
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(422, "invalid_input", "cursor: not a cursor from this API") from exc
