"""Bank entries remember whether their retro-hunt completed; portal attempts have a kind.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``bank_entries.hunted_at``: NULL while an entry's hunt is owed. Entries stored before this
revision were hunted when they were added, so they take their creation time.

``portal_attempts.kind``: ``report`` for the requests counted until now, ``status`` and
``status_failure`` for checks on the status page (limited per address like requests).

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
    with op.batch_alter_table("portal_attempts") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="report"))


def downgrade() -> None:
    with op.batch_alter_table("portal_attempts") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("hunted_at")
