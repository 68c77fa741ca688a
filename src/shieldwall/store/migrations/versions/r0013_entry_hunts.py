"""Bank entries remember whether their retro-hunt completed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``bank_entries.hunted_at``: NULL while an entry's hunt is owed. Entries stored before this
revision were hunted when they were added, so they take their creation time.

Written by hand and frozen; ``shieldwall.store.models.BankEntryRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("hunted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE bank_entries SET hunted_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("hunted_at")
