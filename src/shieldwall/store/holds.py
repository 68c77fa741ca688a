"""Which stored items a legal hold keeps: the one rule retention asks the cases about.

It lives in its own module because both sides need it without needing each other:
the item repository (``ItemStore.purge_expired`` skips held items) and the case
repository (which reuses the item records). Reading only the tables, it imports
neither repository, so ``store.items`` and ``store.cases`` no longer import each other. An
item may also be held on its own, by a child-safety report on it (``child_safety_reports``,
``legal_holds.item_id``, migration 0022).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shieldwall.store.child_safety import QUEUED, ChildSafetyReportRow
from shieldwall.store.service_models import DecisionRow, ItemRow
from shieldwall.store.web_models import CaseHashRow, LegalHoldRow


def held_item_ids(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Which of ``item_ids`` are linked to a case under legal hold, or held on their own
    (:func:`_held_alone`).

    The link is computed, not stored: an item belongs to a case when one of its
    hashes equals a hash of the case (any status: exact PDQ, MD5 or SHA-256), or when
    one of its decisions matched a bank entry that a hash of the case became (how the
    retro-hunt records near-duplicate copies it found). Computing it means a hold
    covers copies found after it was placed, and costs nothing until retention runs.
    """
    if not item_ids:
        return set()
    held = _held_alone(session, item_ids)
    hashes = session.execute(
        select(CaseHashRow.signal_type, CaseHashRow.value, CaseHashRow.entry_id)
        .join(LegalHoldRow, LegalHoldRow.case_id == CaseHashRow.case_id)
        .where(LegalHoldRow.released_at.is_(None))
    ).all()
    if not hashes:
        return held
    by_type: dict[str, set[str]] = {"pdq": set(), "md5": set(), "sha256": set()}
    entries: set[int] = set()
    for kind, value, entry_id in hashes:
        by_type.setdefault(str(kind), set()).add(str(value).lower())
        if entry_id is not None:
            entries.add(int(entry_id))
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


def _held_alone(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Which of ``item_ids`` a hold keeps on its own: a hold placed on the item itself (a
    filed child-safety report on an item that belongs to no case), or a child-safety report
    on it still queued for filing (the evidence must be there when a person files it)."""
    held: set[int] = set()
    ids = list(item_ids)
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        on_hold = select(LegalHoldRow.item_id).where(
            LegalHoldRow.item_id.in_(part), LegalHoldRow.released_at.is_(None)
        )
        queued = select(ChildSafetyReportRow.item_id).where(
            ChildSafetyReportRow.item_id.in_(part), ChildSafetyReportRow.status == QUEUED
        )
        for query in (on_hold, queued):
            held.update(i for i in session.scalars(query) if i is not None)
    return held
