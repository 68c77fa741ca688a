"""Plain records for the service tables (items, decisions, outbox, keys, policies, reviews).

Like ``records.py`` for banks: frozen dataclasses, so nothing outside the store
ever holds an ORM object or a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shieldwall.actions import TypedAction
from shieldwall.types import Verdict


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item as the pipeline hands it to the store (hashes and metadata only)."""

    content_id: str
    source: str
    surface: str = "other"
    uploader_id: str | None = None
    media_type: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    md5: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    text: str | None = None
    url: str | None = None
    jurisdictions: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    pdq_views: tuple[tuple[str, str], ...] = ()
    """Normalised views of the upload (name, PDQ): retro-hunts search them too."""


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: int
    content_id: str
    source: str
    surface: str
    uploader_id: str | None
    media_type: str | None
    pdq: str | None
    pdq_quality: int | None
    md5: str | None
    sha256: str | None
    width: int | None
    height: int | None
    text: str | None
    url: str | None
    jurisdictions: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: datetime
    expires_at: datetime | None
    latest_decision_id: str | None
    pdq_views: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class NewDecision:
    """A decision ready to be stored, with the actions to put in the outbox."""

    id: str
    source: str
    verdict: Verdict
    policy_version: str
    fired: list[dict[str, Any]]
    reasons: list[str]
    matches: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    notes: list[str]
    actions: list[NewAction]
    decided_by: str = "automated"


@dataclass(frozen=True, slots=True)
class NewAction:
    """An outbox row to write: ``payload`` is the stored JSON of a typed action
    (:mod:`shieldwall.actions`); build it with :meth:`of`."""

    kind: str
    payload: dict[str, Any]
    idempotency_key: str

    @classmethod
    def of(cls, action: TypedAction, idempotency_key: str) -> NewAction:
        """The row for a typed action (its kind and stored payload)."""
        return cls(action.kind, action.to_payload(), idempotency_key)


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    id: str
    item_id: int
    content_id: str
    source: str
    verdict: Verdict
    policy_version: str
    fired: list[dict[str, Any]]
    reasons: list[str]
    matches: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    notes: list[str]
    decided_by: str
    created_at: datetime


PENDING = "pending"
"""An outbox row still owed (due now or after its backoff)."""
DELIVERED = "delivered"
HELD = "held"
"""Owed, but no worker can perform it as configured (a webhook with no URL): not claimed,
no attempt used, back to pending when a worker that can perform it starts."""
DEAD = "dead"
"""Given up on after ``outbox_max_attempts``, or unperformable: an operator looks at it."""


@dataclass(frozen=True, slots=True)
class OutboxInfo:
    id: int
    decision_id: str | None
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @property
    def pending(self) -> bool:
        """Still owed: neither delivered nor dead."""
        return self.status == PENDING


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    id: int
    name: str
    prefix: str
    secret_hash: str
    scopes: tuple[str, ...]
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class PolicyVersionInfo:
    id: int
    version: str
    fingerprint: str
    text: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewTaskInfo:
    id: int
    item_id: int
    decision_id: str
    queue: str
    priority: str
    status: str
    due_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SeenHash:
    """An item's PDQ hash, as streamed to build the retro-hunt index."""

    item_id: int
    pdq: str
    views: tuple[tuple[str, str], ...] = ()
    """The item's normalised views (name, PDQ), see ``NewItem.pdq_views``."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One pair of a group write: the item and decision as stored, and whether this
    write created them (``False``: the ``content_id`` was already stored and these
    are the stored ones). ``outbox_ids`` are the new decision's outbox rows."""

    item: ItemInfo
    decision: DecisionInfo
    created: bool
    outbox_ids: tuple[int, ...] = ()
