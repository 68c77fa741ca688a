"""Where a victim's request must be acted on, and the platform's answer for each place.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03

``case_targets``: one row per reported link, username or content id, per item found there,
and per copy found by the photos' fingerprints, each with the ``action_id`` the platform
confirms by and its outcome (removed / not_found / not_ours / kept + reason). Written by
hand and frozen; ``shieldwall.store.case_targets.CaseTargetRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_targets",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("action_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("item_id", _BIG_ID, nullable=True),
        sa.Column("content_id", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("outcome_by", sa.String(255), nullable=True),
        sa.Column("outcome_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_targets_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_targets"),
        sa.UniqueConstraint("action_id", name="uq_case_targets_action_id"),
    )
    op.create_index("ix_case_targets_case_id", "case_targets", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_targets_case_id", table_name="case_targets")
    op.drop_table("case_targets")
