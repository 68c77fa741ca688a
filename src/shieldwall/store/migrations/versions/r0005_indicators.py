"""Indicator lists: nudify-ecosystem text indicators kept like banks, and their revision counter.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Written by hand and frozen like 0001: the indicator kinds are spelled out here rather than
imported, so adding a kind later needs a new migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)
_KINDS = "'domain', 'url_prefix', 'bot_handle', 'keyword', 'app_id'"


def upgrade() -> None:
    op.create_table(
        "indicator_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_lists"),
        sa.UniqueConstraint("name", name="uq_indicator_lists_name"),
    )
    op.create_table(
        "indicators",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("expires_at", _TS, nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("removed_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_indicators"),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["indicator_lists.id"],
            name="fk_indicators_list_id_indicator_lists",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("digest", "list_id", name="uq_indicators_digest_list"),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name="ck_indicators_indicator_kind"),
        sa.CheckConstraint(
            "status IN ('active', 'removed')", name="ck_indicators_indicator_status"
        ),
    )
    op.create_index("ix_indicators_status_list_id", "indicators", ["status", "list_id"])
    revision_table = op.create_table(
        "indicator_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_revision"),
    )
    # The one counter row exists from the start, so writers only ever UPDATE it.
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    for table in ("indicator_revision", "indicators", "indicator_lists"):
        op.drop_table(table)
