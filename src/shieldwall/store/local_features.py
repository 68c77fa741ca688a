"""Local features in the store: the ORB keypoint blobs of PDQ entries added from an image.

Written by :meth:`shieldwall.store.BankStore.add_entries` in the same transaction as their
entries (as the variants are, :mod:`shieldwall.store.variants`), read back by the matcher
when it builds its descriptor index and when it replays an ``add`` change, and read for the
few candidates the descriptor index proposes. An entry keeps the features it was first
stored with: re-adding the same image is idempotent, and an entry already stored without
features gains them (its ``add`` is then logged again so matchers pick them up).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shieldwall.hashing.local_features import LocalFeatures
from shieldwall.store.models import (
    OP_ADD,
    BankEntryLocalFeaturesRow,
    BankEntryRow,
    BankRow,
)
from shieldwall.store.queries import ACTIVE, batched, log_entries_again
from shieldwall.store.validation import CleanEntry
from shieldwall.types import HashKind

IN_CHUNK = 1_000
"""Entry ids per ``IN (...)`` list: blobs are ~18 KB, so a read stays near 18 MB."""


def read_local_features(session: Session, entry_ids: Iterable[int]) -> dict[int, bytes]:
    """Stored blobs of ``entry_ids``; entries without features are absent."""
    found: dict[int, bytes] = {}
    for part in batched(sorted(set(entry_ids)), IN_CHUNK):
        rows = session.execute(
            select(BankEntryLocalFeaturesRow.entry_id, BankEntryLocalFeaturesRow.data).where(
                BankEntryLocalFeaturesRow.entry_id.in_(part)
            )
        )
        found.update((int(entry_id), bytes(data)) for entry_id, data in rows)
    return found


def iter_active_local_features(session: Session, chunk: int) -> Iterator[list[tuple[int, bytes]]]:
    """Blobs of every matching PDQ entry (active, in an enabled bank), in id order."""
    query = (
        select(BankEntryLocalFeaturesRow.entry_id, BankEntryLocalFeaturesRow.data)
        .join(BankEntryRow, BankEntryRow.id == BankEntryLocalFeaturesRow.entry_id)
        .join(BankRow, BankRow.id == BankEntryRow.bank_id)
        .where(ACTIVE, BankEntryRow.signal_type == HashKind.PDQ, BankRow.enabled.is_(True))
        .order_by(BankEntryLocalFeaturesRow.entry_id)
        .execution_options(yield_per=chunk)
    )
    for part in session.execute(query).partitions(chunk):
        yield [(int(entry_id), bytes(data)) for entry_id, data in part]


def write_local_features(
    session: Session,
    *,
    bank_enabled: bool,
    entries: Sequence[CleanEntry],
    ids: Sequence[int],
    new_above: int,
    now: datetime,
) -> int:
    """Store the features of ``entries`` (stored as ``ids``) that have none yet; return how
    many were written. An entry older than this transaction (id ≤ ``new_above``) that gains
    features has its ``add`` logged again, so matchers index them."""
    wanted = {
        entry_id: entry.local_features
        for entry, entry_id in zip(entries, ids, strict=True)
        if entry.local_features is not None
    }
    if not wanted:
        return 0
    have = set(read_local_features(session, wanted))
    fresh = sorted((entry_id, data) for entry_id, data in wanted.items() if entry_id not in have)
    if not fresh:
        return 0
    session.execute(
        insert(BankEntryLocalFeaturesRow),
        [
            {"entry_id": entry_id, "keypoints": len(LocalFeatures.from_bytes(data)), "data": data}
            for entry_id, data in fresh
        ],
    )
    grown = [entry_id for entry_id, _ in fresh if entry_id <= new_above]
    if grown and bank_enabled:
        log_entries_again(session, grown, OP_ADD, now)
    return len(fresh)
