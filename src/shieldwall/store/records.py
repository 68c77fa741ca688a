"""Plain records the bank store returns: no ORM objects ever leave ``shieldwall.store``.

Callers (pipeline, API, CLI) get frozen dataclasses they can keep, compare and
serialise without a session, and that cannot lazily load behind their back.
:func:`record_of` copies a row into such a record by field name, so a repository whose
record mirrors its table does not spell the copy out field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    R = TypeVar("R", bound=DataclassInstance)
else:
    R = TypeVar("R")

from shieldwall.types import BankId, BankPurpose, EntryId, EntryStatus, HashKind, Provenance

ChangeOp = Literal["add", "remove"]


def record_of(kind: type[R], row: object, **given: Any) -> R:
    """A ``kind`` record with each field read from ``row``'s attribute of the same name,
    except those ``given`` (values the row does not hold, or that need converting)."""
    return kind(
        **{f.name: getattr(row, f.name) for f in fields(kind) if f.name not in given},
        **given,
    )


@dataclass(frozen=True, slots=True)
class BankInfo:
    """A bank as the operator sees it, with how many of its entries are active."""

    id: BankId
    name: str
    purpose: BankPurpose
    description: str
    threshold: int
    enabled: bool
    created_at: datetime
    updated_at: datetime
    active_entries: int = 0


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """One bank entry with enough about its bank to explain a match.

    ``matching`` is what the index acts on: the entry is active and its bank
    is enabled.
    """

    id: EntryId
    bank_id: BankId
    bank_name: str
    bank_purpose: BankPurpose
    bank_threshold: int
    bank_enabled: bool
    signal_type: HashKind
    value: str
    category: str | None
    provenance: Provenance
    expires_at: datetime | None
    status: EntryStatus
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None

    @property
    def matching(self) -> bool:
        return self.status is EntryStatus.ACTIVE and self.bank_enabled


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`BankStore.add_entries` did.

    ``ids`` has one id per entry given, in the order given, whether the entry
    was new or already there (a repeated value gets the same id twice).
    """

    added: int
    unchanged: int
    ids: list[EntryId]


class ActiveEntry(NamedTuple):
    """One matchable hash, as yielded in bulk to build an index."""

    id: EntryId
    bank_id: BankId
    value: str


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One row of the membership change log, replayed in ``seq`` order."""

    seq: int
    entry_id: EntryId
    bank_id: BankId
    signal_type: HashKind
    value: str
    op: ChangeOp
    at: datetime
