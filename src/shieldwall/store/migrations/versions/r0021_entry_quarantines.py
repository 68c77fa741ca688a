"""Quarantined bank entries (flood protection).

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03

Written by hand and frozen; ``shieldwall.store.quarantine.QuarantineRow`` must keep
matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entry_quarantines",
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("window_s", sa.Integer(), nullable=False),
        sa.Column("quarantined_at", _TS, nullable=False),
        sa.Column("released_at", _TS, nullable=True),
        sa.Column("released_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name="pk_entry_quarantines"),
    )


def downgrade() -> None:
    op.drop_table("entry_quarantines")
