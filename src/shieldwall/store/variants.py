"""Bank-side variants in the store: the extra region hashes of PDQ entries.

Written by :meth:`shieldwall.store.BankStore.add_entries` in the same
transaction as their entries, read back by
:meth:`shieldwall.store.BankStore.variants_for` when the matcher replays an
``add`` change. Variants have no change-log rows of their own: they enter and
leave matching with their entry. So when an entry that is already stored (an
idempotent re-import) brings variants it did not have, the entry's ``add`` is
logged again; replaying an ``add`` twice is harmless and makes every matcher
re-read the entry's variants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shieldwall.errors import InvalidRecordError
from shieldwall.hashing.robust import MAX_BANK_VARIANTS
from shieldwall.store.models import OP_ADD, BankEntryVariantRow
from shieldwall.store.queries import batched, log_entries_again
from shieldwall.store.validation import CleanEntry

IN_CHUNK = 5_000
"""Entry ids per ``IN (...)`` list, well under every driver's parameter limit."""

VariantRow = tuple[int, str, str]
"""``(slot, name, value)`` of one stored variant."""


def read_variants(session: Session, entry_ids: Iterable[int]) -> dict[int, list[VariantRow]]:
    """Stored variants of ``entry_ids`` by entry, in slot order; entries without any are absent."""
    found: dict[int, list[VariantRow]] = defaultdict(list)
    for part in batched(sorted(set(entry_ids)), IN_CHUNK):
        rows = session.execute(
            select(
                BankEntryVariantRow.entry_id,
                BankEntryVariantRow.slot,
                BankEntryVariantRow.name,
                BankEntryVariantRow.value,
            )
            .where(BankEntryVariantRow.entry_id.in_(part))
            .order_by(BankEntryVariantRow.entry_id, BankEntryVariantRow.slot)
        )
        for entry_id, slot, name, value in rows:
            found[entry_id].append((slot, name, value))
    return dict(found)


def write_variants(
    session: Session,
    *,
    bank_enabled: bool,
    entries: Sequence[CleanEntry],
    ids: Sequence[int],
    new_above: int,
    now: datetime,
) -> int:
    """Store the variants of ``entries`` (stored as ``ids``); return how many rows were written.

    Entries with ids above ``new_above`` were created in this transaction, whose
    ``add`` change the matcher will replay after the variants are visible. An
    older entry keeps the variants it has (by name) and gains the names it
    lacks, after its last slot; if it gained any and is matching, its ``add``
    is logged again. More than ``MAX_BANK_VARIANTS`` in all is refused.
    """
    wanted: dict[int, list[tuple[str, str]]] = {}
    for entry, entry_id in zip(entries, ids, strict=True):
        if entry.variants:
            merged = wanted.setdefault(entry_id, [])
            names = {name for name, _ in merged}
            merged.extend(v for v in entry.variants if v[0] not in names)
    if not wanted:
        return 0
    stored = read_variants(session, wanted)
    rows: list[dict[str, object]] = []
    grown: list[int] = []
    for entry_id, variants in wanted.items():
        have = stored.get(entry_id, [])
        have_names = {name for _, name, _ in have}
        fresh = [(name, value) for name, value in variants if name not in have_names]
        if not fresh:
            continue
        if len(have) + len(fresh) > MAX_BANK_VARIANTS:
            raise InvalidRecordError(
                f"entry {entry_id} would carry {len(have) + len(fresh)} variants; "
                f"at most {MAX_BANK_VARIANTS} are allowed",
                value=[name for name, _ in fresh],
            )
        first = max((slot for slot, _, _ in have), default=-1) + 1
        rows.extend(
            {"entry_id": entry_id, "slot": first + k, "name": name, "value": value}
            for k, (name, value) in enumerate(fresh)
        )
        if entry_id <= new_above:
            grown.append(entry_id)
    if rows:
        session.execute(insert(BankEntryVariantRow), rows)
    if grown and bank_enabled:
        log_entries_again(session, grown, OP_ADD, now)
    return len(rows)
