"""The service's tables: what was seen, what was decided, what must still be done.

- ``items``: every scanned or looked-up piece of content, as hashes and
  metadata (never the media bytes), kept until its surface's retention ends,
  so a hash that arrives later can be hunted across everything already seen.
- ``decisions``: every verdict with the policy version and the rules and
  evidence that produced it (the statement of reasons is built from it).
- ``outbox``: actions written in the same transaction as their decision and
  delivered afterwards by the worker, at least once, with an idempotency key.
- ``api_keys``: argon2 hashes of API keys with their scopes.
- ``policy_versions``: every policy text that was ever active.
- ``review_tasks``: the moderators' queues.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.store.models import Base, BigId, utcnow

ID_MAX = 255


class ItemRow(Base):
    """One piece of content the platform showed Shieldwall."""

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_md5", "md5"),
        Index("ix_items_sha256", "sha256"),
        Index("ix_items_expires_at", "expires_at"),
        Index("ix_items_uploader_id", "uploader_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    content_id: Mapped[str] = mapped_column(String(ID_MAX), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    surface: Mapped[str] = mapped_column(String(32))
    uploader_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    media_type: Mapped[str | None] = mapped_column(String(64))
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    pdq_views: Mapped[list[list[str]] | None] = mapped_column(JSON)
    """Normalised views of the upload as ``[name, pdq]`` pairs (hashing.views.seen_views):
    what a retro-hunt compares new bank entries with besides ``pdq``."""
    md5: Mapped[str | None] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    jurisdictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    latest_decision_id: Mapped[str | None] = mapped_column(String(36))


class DecisionRow(Base):
    """A verdict on an item, with everything needed to explain it later."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_item_id", "item_id"),
        Index("ix_decisions_created_at", "created_at"),
        Index("ix_decisions_verdict", "verdict"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    content_id: Mapped[str] = mapped_column(String(ID_MAX))
    source: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(64))
    fired: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(ID_MAX), default="automated")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxRow(Base):
    """An action owed to someone, written with its decision, delivered by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    decision_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(ID_MAX), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class ApiKeyRow(Base):
    """An API key: only its argon2 hash is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PolicyVersionRow(Base):
    """A policy text as it was activated; decisions name the version that made them."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewTaskRow(Base):
    """An item waiting for a human decision in a queue, with its deadline."""

    __tablename__ = "review_tasks"
    __table_args__ = (Index("ix_review_tasks_queue_status_due_at", "queue", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    decision_id: Mapped[str] = mapped_column(String(36))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    idempotency_key: Mapped[str] = mapped_column(String(ID_MAX), unique=True)


__all__ = [
    "ApiKeyRow",
    "DecisionRow",
    "ItemRow",
    "OutboxRow",
    "PolicyVersionRow",
    "ReviewTaskRow",
]
