"""Tables of the people-facing side: accounts, sessions, reviews, appeals and victims' cases.

- ``users``: moderators, senior moderators, auditors and admins (argon2 password hashes).
- ``web_sessions``: server-side sessions; the cookie holds a random token whose SHA-256
  is the row id, so a database leak does not hand out live sessions.
- ``login_throttle``: failed logins per account and per client address, with a lock time.
- ``media_reveals``: who un-blurred which item's preview, and when (moderator exposure and
  accountability; the audit trail hooks ``record_reveal`` later).
- ``review_media``: opt-in only, media kept for review, encrypted with AES-GCM under a key
  that lives in a file in ``data_dir``, never in the database.
- ``bank_approvals``: four eyes: a request to add an item's hashes to a bank waits for a
  second, different moderator.
- ``appeals``: an uploader contests a decision; someone other than the decider decides.
- ``cases`` and ``case_hashes``: requests from the victim portal, their legal clocks, and
  the hashes computed in the requester's browser, pending until a moderator approves them.
- ``legal_holds``: holds placed on a case, which keep its items past their retention, or on
  one item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.store.models import Base, BigId, utcnow

NAME_MAX = 255


class UserRow(Base):
    """A person who signs in to the review UI."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    blur_strength: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A signed-in browser. ``id`` is the SHA-256 of the cookie's token."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginThrottleRow(Base):
    """Failed sign-ins for one key (``user:<name>`` or ``ip:<address>``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(NAME_MAX), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class MediaRevealRow(Base):
    """One un-blurring of an item's preview by one person."""

    __tablename__ = "media_reveals"
    __table_args__ = (Index("ix_media_reveals_item_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigId)
    user_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100))
    revealed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewMediaRow(Base):
    """Media kept for review where the platform opted in: AES-GCM ciphertext only."""

    __tablename__ = "review_media"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankApprovalRow(Base):
    """A pending (or decided) request to add an item's hashes to a bank."""

    __tablename__ = "bank_approvals"
    __table_args__ = (Index("ix_bank_approvals_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    bank: Mapped[str] = mapped_column(String(100))
    requested_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class AppealRow(Base):
    """An uploader's appeal against a decision on their item."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    decision_id: Mapped[str] = mapped_column(String(36))
    original_decider: Mapped[str] = mapped_column(String(NAME_MAX))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    new_decision_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class CaseRow(Base):
    """A takedown request from the victim portal, with its legal clocks."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    actioned_at: Mapped[datetime | None]
    copies_actioned_at: Mapped[datetime | None]
    requester_notified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    copies_found: Mapped[int] = mapped_column(Integer, default=0)
    copies_removed: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    hunt_state: Mapped[str | None] = mapped_column(String(16))
    """``held`` while removing already-published copies waits for a second approval, then
    ``done`` (migration 0010); empty before approval."""
    hunt_approved_by: Mapped[str | None] = mapped_column(String(100))


class CaseHashRow(Base):
    """A hash computed in the requester's browser; matches only once approved."""

    __tablename__ = "case_hashes"
    __table_args__ = (Index("ix_case_hashes_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    entry_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    variants: Mapped[list[list[str]] | None] = mapped_column(JSON)
    """A PDQ's region hashes from the browser, ``[[window name, hex], ...]`` (revision 0009);
    they become the bank entry's ``variants`` on approval."""


__all__ = [
    "AppealRow",
    "BankApprovalRow",
    "CaseHashRow",
    "CaseRow",
    "LoginThrottleRow",
    "MediaRevealRow",
    "ReviewMediaRow",
    "UserRow",
    "WebSessionRow",
]


class LegalHoldRow(Base):
    """One legal hold on a case, or on one item (a child-safety report on an item that
    belongs to no case, migration 0022): in force while ``released_at`` is empty
    (migration 0007).

    Rows are never deleted, so the history of holds stays readable next to the trail.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (
        Index("ix_legal_holds_case_id", "case_id"),
        Index("ix_legal_holds_item_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)


class PortalAttemptRow(Base):
    """One request sent to the victim portal, kept a day or two for rate limits (migration 0010).

    No address is stored: ``address_key`` is a keyed hash (HMAC with the site secret) of
    the client address, ``pattern_key`` a hash of the set of hashes sent, and
    ``challenge_key`` the digest of the proof-of-work challenge the page solved (unique,
    so one solved challenge sends one request).
    """

    __tablename__ = "portal_attempts"
    __table_args__ = (
        Index("ix_portal_attempts_at", "at"),
        Index("ix_portal_attempts_address_key", "address_key"),
        Index("ix_portal_attempts_pattern_key", "pattern_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    address_key: Mapped[str] = mapped_column(String(64))
    pattern_key: Mapped[str | None] = mapped_column(String(64))
    challenge_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="report", server_default="report")
    """``report`` (a request sent), ``status`` (a status check whose code was right) or
    ``status_failure`` (one whose case number or code was wrong; migration 0013)."""
