"""The indicator-list tables: nudify-ecosystem indicators kept like hash banks.

- ``indicator_lists``: a named list (one feed, or a platform's own list) that can be switched
  off as a whole, like a bank.
- ``indicators``: one canonical (kind, value) per list, with the feed's id, confidence, expiry
  and a status. Removing an indicator sets ``status = 'removed'`` and keeps the row, so a past
  decision that named it can still be explained.
- ``indicator_revision``: one row whose counter goes up in the same transaction as every change
  to the lists or their indicators. Each process compares it with the revision it loaded, which
  is one primary-key read instead of a scan of the indicators.

The value can be up to 2,048 characters (``MAX_VALUE_CHARS``), too long for a portable unique
btree index, so uniqueness is on ``digest``: SHA-256 of ``kind`` and ``value``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.signals.text import IndicatorKind
from shieldwall.store.models import Base, BigId, _enum_column, utcnow

LIST_NAME_MAX = 100
"""Longest indicator-list name."""

FIELD_MAX = 255
"""Longest feed id and source name."""


class IndicatorStatus(enum.StrEnum):
    """Whether an indicator takes part in matching."""

    ACTIVE = "active"
    REMOVED = "removed"


class IndicatorListRow(Base):
    """A named list of indicators with one source, switched on or off as a whole."""

    __tablename__ = "indicator_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(LIST_NAME_MAX), unique=True)
    source: Mapped[str] = mapped_column(String(FIELD_MAX), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorRow(Base):
    """One indicator in one list."""

    __tablename__ = "indicators"
    __table_args__ = (
        # digest first: imports look rows up by "digest IN (...)", and PostgreSQL (whose
        # statistics lag behind a bulk load) otherwise scans the whole list per chunk.
        UniqueConstraint("digest", "list_id", name="uq_indicators_digest_list"),
        # The runtime loads "active indicators of enabled lists" on every change.
        Index("ix_indicators_status_list_id", "status", "list_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("indicator_lists.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(FIELD_MAX))
    kind: Mapped[IndicatorKind] = mapped_column(_enum_column(IndicatorKind, "indicator_kind"))
    value: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IndicatorStatus] = mapped_column(
        _enum_column(IndicatorStatus, "indicator_status"), default=IndicatorStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]


class IndicatorRevisionRow(Base):
    """The single row counting changes to indicator lists (id is always 1)."""

    __tablename__ = "indicator_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
