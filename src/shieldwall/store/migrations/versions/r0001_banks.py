"""Banks, bank entries and the membership change log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written by hand and frozen: the enum members are spelled out here rather than
imported, so that changing ``shieldwall.types`` later needs a new migration
instead of silently rewriting this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SIGNAL_TYPES = "'pdq', 'md5', 'sha256'"


def _check_in(column: str, values: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IN ({values})", name=name)


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_banks"),
        sa.UniqueConstraint("name", name="uq_banks_name"),
        _check_in(
            "purpose", "'victim', 'partner', 'internal', 'negative'", "ck_banks_bank_purpose"
        ),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("category", sa.String(255), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("case_id", sa.String(255), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bank_entries"),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name="fk_bank_entries_bank_id_banks",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("bank_id", "signal_type", "value", name="uq_bank_entries_bank_value"),
        _check_in("signal_type", _SIGNAL_TYPES, "ck_bank_entries_signal_type"),
        _check_in("status", "'active', 'withdrawn', 'deleted'", "ck_bank_entries_entry_status"),
    )
    op.create_index("ix_bank_entries_signal_type_value", "bank_entries", ["signal_type", "value"])
    op.create_index("ix_bank_entries_status_signal_type", "bank_entries", ["status", "signal_type"])
    op.create_index("ix_bank_entries_expires_at", "bank_entries", ["expires_at"])
    op.create_table(
        "entry_changes",
        sa.Column("seq", _BIG_ID, nullable=False, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_entry_changes"),
        _check_in("signal_type", _SIGNAL_TYPES, "ck_entry_changes_signal_type"),
        _check_in("op", "'add', 'remove'", "ck_entry_changes_op"),
    )
    op.create_index("ix_entry_changes_at", "entry_changes", ["at"])


def downgrade() -> None:
    op.drop_table("entry_changes")
    op.drop_table("bank_entries")
    op.drop_table("banks")
