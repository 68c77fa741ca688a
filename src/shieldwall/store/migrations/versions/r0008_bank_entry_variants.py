"""Bank-side variants: extra PDQ hashes of regions of a PDQ entry's original.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

Written by hand and frozen: the table is spelled out here rather than built from the model
(``shieldwall.store.models.BankEntryVariantRow``), which must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_entry_variants",
        sa.Column("entry_id", _BIG_ID, nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name="fk_bank_entry_variants_entry_id_bank_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "slot", name="pk_bank_entry_variants"),
    )


def downgrade() -> None:
    op.drop_table("bank_entry_variants")
