"""People-facing tables: users, sessions, login throttle, reveals, review media, approvals,
appeals, victim cases and their hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("blur_strength", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_login_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_sessions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _TS, nullable=True),
        sa.Column("locked_until", _TS, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_table(
        "media_reveals",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("item_id", _BIG_ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("revealed_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_media_reveals"),
    )
    op.create_index("ix_media_reveals_item_id", "media_reveals", ["item_id"])
    op.create_table(
        "review_media",
        sa.Column("item_id", _BIG_ID, nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("item_id", name="pk_review_media"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_review_media_item_id_items", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "bank_approvals",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("item_id", _BIG_ID, nullable=False),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bank_approvals"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_bank_approvals_item_id_items", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_bank_approvals_status", "bank_approvals", ["status"])
    op.create_table(
        "appeals",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("item_id", _BIG_ID, nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("original_decider", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("new_decision_id", sa.String(36), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_appeals_item_id_items", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_appeals_status", "appeals", ["status"])
    op.create_table(
        "cases",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("access_code_hash", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("valid_at", _TS, nullable=True),
        sa.Column("due_at", _TS, nullable=True),
        sa.Column("actioned_at", _TS, nullable=True),
        sa.Column("copies_actioned_at", _TS, nullable=True),
        sa.Column("requester_notified_at", _TS, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("copies_found", sa.Integer(), nullable=False),
        sa.Column("copies_removed", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("case_number", name="uq_cases_case_number"),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_table(
        "case_hashes",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("entry_id", _BIG_ID, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_hashes"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_hashes_case_id_cases", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_case_hashes_case_id", "case_hashes", ["case_id"])


def downgrade() -> None:
    for table in (
        "case_hashes",
        "cases",
        "appeals",
        "bank_approvals",
        "review_media",
        "media_reveals",
        "login_throttle",
        "web_sessions",
        "users",
    ):
        op.drop_table(table)
