"""Items keep their normalised views, so retro-hunts find edited copies seen earlier.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-03

Written by hand and frozen; ``shieldwall.store.service_models.ItemRow.pdq_views`` must keep
matching it. Nullable, no default: rows stored before this revision have no views and are
hunted by their plain hash only, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("pdq_views", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("pdq_views")
