"""Local features: ORB keypoints of a PDQ entry's original, for the second matching stage.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04

One row per PDQ entry added from an image (``bank add`` from a file), holding the compact
keypoint blob of ``shieldwall.hashing.local_features.LocalFeatures.to_bytes``. Written by
hand and frozen; ``shieldwall.store.models.BankEntryLocalFeaturesRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_entry_local_features",
        sa.Column("entry_id", _BIG_ID, nullable=False),
        sa.Column("keypoints", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name="fk_bank_entry_local_features_entry_id_bank_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name="pk_bank_entry_local_features"),
    )


def downgrade() -> None:
    op.drop_table("bank_entry_local_features")
