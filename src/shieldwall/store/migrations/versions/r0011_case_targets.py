"""Victims' cases: where to act and the platform's answer for each place; every legal clock.

Revision ID: 0011
Revises: 0010 (main landed 0010 first; re-chained at merge)
Create Date: 2026-12-03

``case_targets``: one row per reported link, username or content id, per item found there,
and per copy found by the photos' fingerprints, each with the ``action_id`` the platform
confirms by and its outcome (removed / not_found / not_ours / kept + reason).
``case_clocks``: every legal clock of a case (regime, legal source, start event, start and
due time, notice id and extension for an eSafety removal notice). ``child_safety_reports``:
CyberTipline reports prepared from a case, queued for a person to file, with the filing time,
NCMEC's report id and the preservation date (18 U.S.C. §2258A). Written by
hand and frozen; ``shieldwall.store.case_targets.CaseTargetRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
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
    op.create_table(
        "case_clocks",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("regime", sa.String(32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("start_event", sa.Text(), nullable=False),
        sa.Column("notice_id", sa.String(100), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("extension_hours", sa.Float(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_clocks_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_clocks"),
        sa.UniqueConstraint("case_id", "regime", "notice_id", name="uq_case_clocks_regime"),
    )
    op.create_index("ix_case_clocks_case_id", "case_clocks", ["case_id"])
    op.create_table(
        "child_safety_reports",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("prepared_by", sa.String(100), nullable=False),
        sa.Column("prepared_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("filed_by", sa.String(100), nullable=True),
        sa.Column("filed_at", _TS, nullable=True),
        sa.Column("report_id", sa.String(100), nullable=True),
        sa.Column("hold_until", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name="fk_child_safety_reports_case_id_cases",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_child_safety_reports"),
    )
    op.create_index("ix_child_safety_reports_status", "child_safety_reports", ["status"])


def downgrade() -> None:
    op.drop_index("ix_child_safety_reports_status", table_name="child_safety_reports")
    op.drop_table("child_safety_reports")
    op.drop_index("ix_case_clocks_case_id", table_name="case_clocks")
    op.drop_table("case_clocks")
    op.drop_index("ix_case_targets_case_id", table_name="case_targets")
    op.drop_table("case_targets")
