"""Victims' requests keep the region hashes their browser computed for each photo.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

``case_hashes.variants`` (JSON, ``[[window name, pdq hex], ...]``, null when none): the
portal's hasher hashes regions of a photo (``robust.BANK_WINDOWS``) besides the whole of it;
they wait with the pending PDQ and become the bank entry's variants on approval. Written by
hand and frozen; ``shieldwall.store.web_models.CaseHashRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop a column in place (downgrade), so both directions use it.
    with op.batch_alter_table("case_hashes") as batch:
        batch.add_column(sa.Column("variants", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_hashes") as batch:
        batch.drop_column("variants")
