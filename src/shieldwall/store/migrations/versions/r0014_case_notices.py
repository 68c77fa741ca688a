"""Notices to a victim's request's reporter, and the agency of each child-safety report.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

``case_notices``: one row per notice prepared for the person who made a request (today: the
closing of a request with its reason code, e.g. the UK Online Safety Act s.10(3B) exceptions),
with the text shown on their status page and the complaint route. ``child_safety_reports``
gains ``agency``: ``ncmec`` (CyberTipline, 18 U.S.C. §2258A) or ``nca`` (UK National Crime
Agency, Online Safety Act 2023 s.66). Written by hand and frozen;
``shieldwall.store.case_notices.CaseNoticeRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_notices",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("case_id", _BIG_ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("complaint_route", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_notices_case_id_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_notices"),
    )
    op.create_index("ix_case_notices_case_id", "case_notices", ["case_id"])
    with op.batch_alter_table("child_safety_reports") as batch:
        batch.add_column(sa.Column("agency", sa.String(16), nullable=False, server_default="ncmec"))


def downgrade() -> None:
    with op.batch_alter_table("child_safety_reports") as batch:
        batch.drop_column("agency")
    op.drop_index("ix_case_notices_case_id", table_name="case_notices")
    op.drop_table("case_notices")
