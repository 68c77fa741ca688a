"""Victim portal receipts: one case per request page, whatever reloads or double submits.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

Written by hand and frozen; ``shieldwall.store.portal_models.PortalReceiptRow`` must keep
matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_receipts",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("sealed_code", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name="fk_portal_receipts_case_id_cases",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_portal_receipts"),
        sa.UniqueConstraint("submission_key", name="uq_portal_receipts_submission_key"),
    )


def downgrade() -> None:
    op.drop_table("portal_receipts")
