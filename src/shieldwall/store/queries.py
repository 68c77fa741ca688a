"""Queries and row-to-record conversions shared by the bank store's methods.

Kept apart from ``repository.py`` so that the repository reads as the list of
things the store does, and this module as how it asks the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import TypeVar

from sqlalchemy import Select, and_, func, insert, literal, select
from sqlalchemy.orm import Session

from shieldwall.errors import BankNotFoundError, InputError
from shieldwall.hashing.values import normalize_hash
from shieldwall.store.models import BankEntryRow, BankRow, EntryChangeRow, UTCDateTime
from shieldwall.store.records import BankInfo, EntryInfo
from shieldwall.types import BankId, EntryId, EntryStatus, HashKind, Provenance

ACTIVE = BankEntryRow.status == EntryStatus.ACTIVE

_T = TypeVar("_T")


def batched(items: Iterable[_T], size: int) -> Iterator[tuple[_T, ...]]:
    """``itertools.batched`` (Python 3.12) for 3.11: tuples of ``size``, the last shorter."""
    iterator = iter(items)
    while part := tuple(islice(iterator, size)):
        yield part


CHANGE_COLUMNS = ("entry_id", "bank_id", "signal_type", "value", "op", "at")

_IN_CHUNK = 5_000
"""Entry ids per ``IN (...)`` list, well under every driver's parameter limit."""


def check_locator(
    entry_id: int | None,
    bank: str | None,
    signal_type: HashKind | str | None,
    value: str | None,
) -> tuple[str, HashKind, str] | None:
    """Validate "by id" or "by bank + type + value"; the latter is returned normalised."""
    by_value = (bank, signal_type, value)
    if entry_id is not None and all(part is None for part in by_value):
        return None
    if entry_id is None and all(part is not None for part in by_value):
        assert bank is not None and signal_type is not None and value is not None
        return bank, HashKind(signal_type), normalize_hash(signal_type, value)
    raise InputError("give either entry_id, or bank, signal_type and value")


def bank_row(session: Session, name: str) -> BankRow:
    bank = session.scalars(select(BankRow).where(BankRow.name == name)).first()
    if bank is None:
        raise BankNotFoundError("no bank with this name", value=name)
    return bank


def active_count(bank_id: int) -> Select[int]:
    return select(func.count(BankEntryRow.id)).where(BankEntryRow.bank_id == bank_id, ACTIVE)


def banks_with_counts() -> Select[BankRow, int]:
    return (
        select(BankRow, func.count(BankEntryRow.id))
        .outerjoin(BankEntryRow, and_(BankEntryRow.bank_id == BankRow.id, ACTIVE))
        .group_by(BankRow.id)
    )


def entries_with_banks() -> Select[BankEntryRow, BankRow]:
    return select(BankEntryRow, BankRow).join(BankRow, BankRow.id == BankEntryRow.bank_id)


def change_source(op: str, at: datetime) -> Select[int, int, HashKind, str, str, datetime]:
    return select(
        BankEntryRow.id,
        BankEntryRow.bank_id,
        BankEntryRow.signal_type,
        BankEntryRow.value,
        literal(op),
        literal(at, UTCDateTime()),
    ).order_by(BankEntryRow.id)


def log_bank_entries(session: Session, bank_id: int, op: str, at: datetime) -> None:
    """Log ``op`` for every active entry of a bank (it is being enabled, disabled or deleted)."""
    session.execute(
        insert(EntryChangeRow).from_select(
            CHANGE_COLUMNS,
            change_source(op, at).where(BankEntryRow.bank_id == bank_id, ACTIVE),
        )
    )


def log_entries_again(session: Session, entry_ids: Iterable[int], op: str, at: datetime) -> None:
    """Log ``op`` again for the active ones of ``entry_ids``: an entry that gained what
    matchers index with it (region variants, keypoints) is re-read by every replica."""
    for part in batched(sorted(set(entry_ids)), _IN_CHUNK):
        session.execute(
            insert(EntryChangeRow).from_select(
                CHANGE_COLUMNS,
                change_source(op, at).where(BankEntryRow.id.in_(part), ACTIVE),
            )
        )


def change_row(entry: BankEntryRow, op: str, at: datetime) -> EntryChangeRow:
    return EntryChangeRow(
        entry_id=entry.id,
        bank_id=entry.bank_id,
        signal_type=entry.signal_type,
        value=entry.value,
        op=op,
        at=at,
    )


def bank_info(row: BankRow, active_entries: int) -> BankInfo:
    return BankInfo(
        id=BankId(row.id),
        name=row.name,
        purpose=row.purpose,
        description=row.description,
        threshold=row.threshold,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        active_entries=active_entries,
    )


def entry_info(entry: BankEntryRow, bank: BankRow) -> EntryInfo:
    return EntryInfo(
        id=EntryId(entry.id),
        bank_id=BankId(bank.id),
        bank_name=bank.name,
        bank_purpose=bank.purpose,
        bank_threshold=bank.threshold,
        bank_enabled=bank.enabled,
        signal_type=entry.signal_type,
        value=entry.value,
        category=entry.category,
        provenance=Provenance(
            source=entry.source,
            external_id=entry.external_id,
            case_id=entry.case_id,
            submitted_at=entry.submitted_at,
        ),
        expires_at=entry.expires_at,
        status=entry.status,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        withdrawn_at=entry.withdrawn_at,
    )
