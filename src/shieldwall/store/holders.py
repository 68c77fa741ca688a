"""Claims on bank entries: who relies on an entry, and taking one claim back.

A hash can be in a bank because a victim's case was approved, because a partner's list
was imported, or because two moderators added an item. Each of those is a *holder*
with its own claim (``bank_entry_holders``). Releasing a claim withdraws the entry
only when no other claim remains, so a later case carrying the same hashes (an abuser
replaying a victim's hashes, or a second victim) can never cancel the first one's
protection by withdrawing. Functions here run inside the caller's write transaction
(``BankStore`` holds the change-log lock), and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shieldwall.errors import InputError
from shieldwall.store.models import (
    HOLDER_MAX,
    OP_ADD,
    OP_REMOVE,
    BankEntryHolderRow,
    BankEntryRow,
    BankRow,
)
from shieldwall.store.queries import batched, change_row
from shieldwall.types import EntryId, EntryStatus

HOLDERS = cast(Table, BankEntryHolderRow.__table__)

_IN_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    """What taking one holder's claim back did to each entry."""

    holder: str
    released: tuple[EntryId, ...]
    """Entries on which the holder had a claim in force, now released."""
    withdrawn: tuple[EntryId, ...]
    """Entries that left matching because no claim remained."""
    kept: tuple[EntryId, ...]
    """Entries still matching because another holder still holds them."""


def check_holder(holder: str) -> str:
    """A holder name: ``kind:rest``, printable, within :data:`HOLDER_MAX`."""
    if (
        ":" not in holder
        or not 2 < len(holder) <= HOLDER_MAX
        or not holder.isprintable()
        or holder != holder.strip()
    ):
        raise InputError("a holder is 'kind:name', printable, at most 300 characters", value=holder)
    return holder


def insert_claims(
    conn: Connection, *, entry_ids: Sequence[int], holder: str, now: datetime
) -> set[int]:
    """Add ``holder``'s claim to each entry (a released claim is renewed); returns the ids
    of entries on which the claim is new or renewed."""
    wanted = sorted(set(entry_ids))
    fresh: set[int] = set()
    for part in batched(wanted, _IN_CHUNK):
        held = set(
            conn.scalars(
                select(HOLDERS.c.entry_id).where(
                    HOLDERS.c.entry_id.in_(part),
                    HOLDERS.c.holder == holder,
                    HOLDERS.c.released_at.is_(None),
                )
            )
        )
        new = [i for i in part if i not in held]
        if not new:
            continue
        stmt = (
            postgresql.insert(HOLDERS)
            if conn.dialect.name == "postgresql"
            else sqlite.insert(HOLDERS)
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["entry_id", "holder"],
                set_={"released_at": None, "released_by": None, "held_at": now},
            ),
            [{"entry_id": i, "holder": holder, "held_at": now} for i in new],
        )
        fresh.update(new)
    return fresh


def reactivate(session: Session, entry_ids: Sequence[int], now: datetime) -> list[int]:
    """Bring entries a new claim holds back into matching when the last holder had let them
    go (withdrawn, not deleted, not past their expiry); returns their ids."""
    back: list[int] = []
    for part in batched(sorted(set(entry_ids)), _IN_CHUNK):
        rows = session.execute(
            select(BankEntryRow, BankRow.enabled)
            .join(BankRow, BankRow.id == BankEntryRow.bank_id)
            .where(
                BankEntryRow.id.in_(part),
                BankEntryRow.status == EntryStatus.WITHDRAWN,
                (BankEntryRow.expires_at.is_(None)) | (BankEntryRow.expires_at > now),
            )
        ).all()
        for entry, enabled in rows:
            entry.status = EntryStatus.ACTIVE
            entry.withdrawn_at = None
            entry.updated_at = now
            if enabled:
                session.add(change_row(entry, OP_ADD, now))
            back.append(entry.id)
    session.flush()
    return back


def release_claims(
    session: Session, *, entry_ids: Sequence[int], holder: str, released_by: str, now: datetime
) -> ReleaseResult:
    """Release ``holder``'s claims; withdraw entries left without any claim in force.

    An entry that never had a claim (written before claims existed and not backfilled)
    counts as held by the releasing holder alone, as it did before."""
    wanted = sorted(set(entry_ids))
    released: list[EntryId] = []
    withdrawn: list[EntryId] = []
    kept: list[EntryId] = []
    for part in batched(wanted, _IN_CHUNK):
        mine = set(
            session.scalars(
                select(BankEntryHolderRow.entry_id).where(
                    BankEntryHolderRow.entry_id.in_(part),
                    BankEntryHolderRow.holder == holder,
                    BankEntryHolderRow.released_at.is_(None),
                )
            )
        )
        session.execute(
            update(BankEntryHolderRow)
            .where(
                BankEntryHolderRow.entry_id.in_(part),
                BankEntryHolderRow.holder == holder,
                BankEntryHolderRow.released_at.is_(None),
            )
            .values(released_at=now, released_by=released_by[:HOLDER_MAX])
            .execution_options(synchronize_session=False)
        )
        others = dict(
            session.execute(
                select(BankEntryHolderRow.entry_id, func.count())
                .where(
                    BankEntryHolderRow.entry_id.in_(part),
                    BankEntryHolderRow.released_at.is_(None),
                )
                .group_by(BankEntryHolderRow.entry_id)
            ).all()
        )
        rows = session.execute(
            select(BankEntryRow, BankRow.enabled)
            .join(BankRow, BankRow.id == BankEntryRow.bank_id)
            .where(BankEntryRow.id.in_(part))
        ).all()
        for entry, enabled in rows:
            if entry.id in mine:
                released.append(EntryId(entry.id))
            elif others.get(entry.id):
                continue  # not this holder's entry: someone else's claim, left alone
            if others.get(entry.id):
                kept.append(EntryId(entry.id))
                continue
            if entry.status is not EntryStatus.ACTIVE:
                continue
            if enabled:
                session.add(change_row(entry, OP_REMOVE, now))
            entry.status = EntryStatus.WITHDRAWN
            entry.withdrawn_at = now
            entry.updated_at = now
            withdrawn.append(EntryId(entry.id))
    session.flush()
    return ReleaseResult(holder, tuple(released), tuple(withdrawn), tuple(kept))


def release_all(session: Session, *, entry_id: int, released_by: str, now: datetime) -> int:
    """Release every claim on one entry (an operator withdrew or deleted it outright)."""
    result = session.execute(
        update(BankEntryHolderRow)
        .where(BankEntryHolderRow.entry_id == entry_id, BankEntryHolderRow.released_at.is_(None))
        .values(released_at=now, released_by=released_by[:HOLDER_MAX])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def holders_of(session: Session, entry_ids: Sequence[int]) -> dict[int, list[str]]:
    """Claims in force per entry, oldest first."""
    found: dict[int, list[str]] = {}
    for part in batched(sorted(set(entry_ids)), _IN_CHUNK):
        for entry_id, holder in session.execute(
            select(BankEntryHolderRow.entry_id, BankEntryHolderRow.holder)
            .where(BankEntryHolderRow.entry_id.in_(part), BankEntryHolderRow.released_at.is_(None))
            .order_by(BankEntryHolderRow.held_at, BankEntryHolderRow.holder)
        ):
            found.setdefault(int(entry_id), []).append(str(holder))
    return found
