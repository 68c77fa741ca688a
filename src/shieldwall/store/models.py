"""The bank tables as a typed SQLAlchemy 2 ORM.

Four tables: ``banks``, their ``bank_entries``, the ``bank_entry_variants``
(extra region hashes a submitter stored with a PDQ entry) and
``entry_changes``, the append-only log of changes to matching membership that
lets an in-memory index load a snapshot and then replay what changed after it. The Alembic
migrations in ``store/migrations`` create exactly this schema (a test compares
the two on SQLite and PostgreSQL).

These classes stay inside ``shieldwall.store``: the repository hands out plain
dataclasses (``store/records.py``), never ORM objects.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shieldwall.hashing.values import VARIANT_NAME_MAX
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, BankPurpose, EntryStatus, HashKind

NAME_MAX = 100
"""Longest bank name."""

TEXT_FIELD_MAX = 255
"""Longest provenance text (category, source, external id, case id)."""

OP_ADD = "add"
OP_REMOVE = "remove"

# A BIGINT primary key is not an alias of SQLite's rowid and would not
# autoincrement there; INTEGER is 64-bit in SQLite anyway.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind the store writes)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps that go in and come out timezone-aware in UTC on every database.

    PostgreSQL keeps ``timestamptz`` natively; SQLite has no time zones, so the
    value is stored as naive UTC and given its zone back on the way out. Naive
    values handed in are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        aware = aware.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum_column(kind: type[enum.StrEnum], name: str) -> Enum:
    # VARCHAR + CHECK rather than a native PostgreSQL ENUM: adding a member later
    # is then a plain migration on both databases, and the stored text is the
    # enum's value ("victim"), not its Python name.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (migrations refer to them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class BankRow(Base):
    """A named collection of hashes with one purpose and one PDQ threshold."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    purpose: Mapped[BankPurpose] = mapped_column(_enum_column(BankPurpose, "bank_purpose"))
    description: Mapped[str] = mapped_column(Text, default="")
    threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_PDQ_THRESHOLD)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankEntryRow(Base):
    """One hash in one bank, with where it came from and whether it still matches."""

    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "value", name="uq_bank_entries_bank_value"),
        # Lookups of exact digests and match explanations go by value across banks.
        Index("ix_bank_entries_signal_type_value", "signal_type", "value"),
        Index("ix_bank_entries_status_signal_type", "status", "signal_type"),
        Index("ix_bank_entries_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    signal_type: Mapped[HashKind] = mapped_column(_enum_column(HashKind, "signal_type"))
    value: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    source: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    external_id: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    case_id: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    submitted_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    status: Mapped[EntryStatus] = mapped_column(
        _enum_column(EntryStatus, "entry_status"), default=EntryStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    hunted_at: Mapped[datetime | None]
    """When the retro-hunt for this entry last completed (migration 0013). NULL while one is
    owed: an add that committed but died before its hunt leaves NULL, so adding it again
    hunts it (an import killed between a chunk's commit and its hunt lost that hunt)."""


class BankEntryVariantRow(Base):
    """One extra PDQ hash of a region of a PDQ entry's original (a bank-side variant).

    Why a table of its own and not columns: most entries have none, and the
    matcher numbers them by ``slot`` (0..15) to give each an index id of
    ``entry_id * 16 + slot`` without a change-log row of its own; the variants
    enter and leave matching with their entry.
    """

    __tablename__ = "bank_entry_variants"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(VARIANT_NAME_MAX))
    value: Mapped[str] = mapped_column(String(64))


class BankEntryLocalFeaturesRow(Base):
    """ORB keypoints of a PDQ entry's original, for the optional local-features stage.

    A table of its own, like the variants: only entries added from an image have them, and
    the blob (about 18 KB) stays out of the entry rows that every listing reads. No
    change-log rows of their own: the features enter and leave matching with their entry.
    """

    __tablename__ = "bank_entry_local_features"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    )
    keypoints: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class EntryChangeRow(Base):
    """One change to the set of entries that take part in matching.

    ``op`` is ``add`` when an entry starts matching (added to an enabled bank,
    bank enabled) and ``remove`` when it stops (withdrawn, deleted, expired,
    bank disabled or deleted). The row is written in the same transaction as
    the change, and carries the value so a replay needs no join. No foreign
    keys: the log outlives the entries it mentions.
    """

    __tablename__ = "entry_changes"
    __table_args__ = (
        CheckConstraint("op IN ('add', 'remove')", name="op"),
        Index("ix_entry_changes_at", "at"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    bank_id: Mapped[int] = mapped_column(Integer)
    signal_type: Mapped[HashKind] = mapped_column(_enum_column(HashKind, "signal_type"))
    value: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)


HOLDER_MAX = 300
"""Longest holder name (``import:`` plus a provenance source of up to 255 characters)."""


class BankEntryHolderRow(Base):
    """One claim on a bank entry by whoever relies on it (migration 0010).

    Why claims and not one owner: the same hash can come from a victim's case, a
    partner's list and a moderator's four-eyes addition. An entry stays in matching
    while any claim is unreleased, so one holder (a second, later case with the same
    hashes, say) withdrawing cannot cancel another victim's protection. ``holder`` is
    ``case:<case number>``, ``import:<provenance source>`` or ``review:<approval id>``.
    Released claims are kept (``released_at``/``released_by``) next to the audit trail.
    """

    __tablename__ = "bank_entry_holders"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(HOLDER_MAX), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(HOLDER_MAX))
