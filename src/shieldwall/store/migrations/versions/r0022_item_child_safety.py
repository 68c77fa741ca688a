"""Child-safety reports and legal holds on an item that belongs to no case.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

A moderator may escalate any item to child safety from the review UI, not only a victim's
case. ``child_safety_reports`` and ``legal_holds`` therefore name either a case
(``case_id``, now nullable) or an item (``item_id``, new; ``SET NULL`` if the item is ever
deleted, so the prepared report and the hold's history stay readable). One report per item
and agency (``uq_child_safety_reports_item_agency``): escalating an item twice, even from
two browsers at once, prepares one report. Written by hand and frozen;
``shieldwall.store.child_safety.ChildSafetyReportRow`` and
``shieldwall.store.web_models.LegalHoldRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision: str | None = "0021"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("child_safety_reports") as batch:
        batch.alter_column("case_id", existing_type=_BIG_ID, nullable=True)
        batch.add_column(sa.Column("item_id", _BIG_ID, nullable=True))
        batch.create_foreign_key(
            "fk_child_safety_reports_item_id_items",
            "items",
            ["item_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(
        "uq_child_safety_reports_item_agency",
        "child_safety_reports",
        ["item_id", "agency"],
        unique=True,
    )
    with op.batch_alter_table("legal_holds") as batch:
        batch.alter_column("case_id", existing_type=_BIG_ID, nullable=True)
        batch.add_column(sa.Column("item_id", _BIG_ID, nullable=True))
        batch.create_foreign_key(
            "fk_legal_holds_item_id_items", "items", ["item_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_legal_holds_item_id", "legal_holds", ["item_id"])


def downgrade() -> None:
    # Reports and holds of items alone have no place in the older schema.
    op.execute(sa.text("DELETE FROM child_safety_reports WHERE case_id IS NULL"))
    op.execute(sa.text("DELETE FROM legal_holds WHERE case_id IS NULL"))
    op.drop_index("ix_legal_holds_item_id", table_name="legal_holds")
    with op.batch_alter_table("legal_holds") as batch:
        batch.drop_constraint("fk_legal_holds_item_id_items", type_="foreignkey")
        batch.drop_column("item_id")
        batch.alter_column("case_id", existing_type=_BIG_ID, nullable=False)
    op.drop_index("uq_child_safety_reports_item_agency", table_name="child_safety_reports")
    with op.batch_alter_table("child_safety_reports") as batch:
        batch.drop_constraint("fk_child_safety_reports_item_id_items", type_="foreignkey")
        batch.drop_column("item_id")
        batch.alter_column("case_id", existing_type=_BIG_ID, nullable=False)
