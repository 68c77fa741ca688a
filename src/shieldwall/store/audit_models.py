"""The audit trail's tables: chained events, their personal-data side records, checkpoints.

- ``audit_events``: one row per :class:`shieldwall.audit.AuditEvent`, keyed by its
  ``seq`` (1-based, gapless). ``details`` holds the canonical JSON text the hash
  committed to, byte for byte, so verification never depends on how a database
  re-encodes JSON.
- ``audit_personal``: the cleartext and salt of an event's personal fields.
  Deleting a row is redaction; the chain only ever held salted digests.
- ``audit_checkpoints``: Ed25519-signed statements "event ``seq`` had hash
  ``head_hash``". Copies belong outside the database too.

No foreign keys between them on purpose: redaction deletes side records, and an
auditor must still be able to read checkpoints whose events were tampered with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.store.models import Base, BigId, utcnow

NAME_MAX = 200
"""Longest actor, action, subject type or subject id (the audit core's own limit)."""


class AuditEventRow(Base):
    """One chained audit event, exactly as hashed."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
    )

    # Explicit values, never autoincrement: seq is part of what the hash commits to.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(NAME_MAX))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(NAME_MAX))
    subject_type: Mapped[str | None] = mapped_column(String(NAME_MAX))
    subject_id: Mapped[str | None] = mapped_column(String(NAME_MAX))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditPersonalRow(Base):
    """Cleartext and salts of one event's personal fields (delete to redact)."""

    __tablename__ = "audit_personal"
    __table_args__ = (Index("ix_audit_personal_event_at", "event_at"),)

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_at: Mapped[datetime]
    fields: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditCheckpointRow(Base):
    """A signed checkpoint over the chain head at ``seq``."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("seq", "key_id", name="uq_audit_checkpoints_seq_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


__all__ = ["AuditCheckpointRow", "AuditEventRow", "AuditPersonalRow"]
