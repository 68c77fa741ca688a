"""Bank entries held per holder, and victims' retro-hunts held for a second approval.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

``bank_entry_holders``: one claim per (entry, holder) — ``case:<number>``,
``import:<source>``, ``review:<approval id>``. An entry leaves matching only when its
last claim is released, so a second case with the same hashes cannot withdraw the
first victim's entries. Existing data is backfilled: every approved case hash becomes
its case's claim; every other active entry is held by ``import:<its source>``.

``cases.hunt_state`` (``held`` until a second moderator or the policy setting lets the
retro-hunt remove already-published copies, then ``done``) and ``cases.hunt_approved_by``.

``portal_attempts``: the victim portal's rate limits and flood alert (keyed hashes of
addresses and of submitted hash sets, never the addresses; pruned after two days).

Written by hand and frozen; ``shieldwall.store.models.BankEntryHolderRow`` and
``shieldwall.store.web_models.CaseRow`` must keep matching it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bank_entry_holders",
        sa.Column("entry_id", _BIG_ID, nullable=False),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("held_at", _TS, nullable=False),
        sa.Column("released_at", _TS, nullable=True),
        sa.Column("released_by", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name="fk_bank_entry_holders_entry_id_bank_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "holder", name="pk_bank_entry_holders"),
    )
    op.execute(
        "INSERT INTO bank_entry_holders (entry_id, holder, held_at) "
        "SELECT DISTINCT h.entry_id, 'case:' || c.case_number, c.received_at "
        "FROM case_hashes h JOIN cases c ON c.id = h.case_id "
        "WHERE h.status = 'approved' AND h.entry_id IN (SELECT id FROM bank_entries)"
    )
    op.execute(
        "INSERT INTO bank_entry_holders (entry_id, holder, held_at) "
        "SELECT e.id, 'import:' || COALESCE(e.source, 'unknown'), e.created_at "
        "FROM bank_entries e WHERE e.status = 'active' AND NOT EXISTS "
        "(SELECT 1 FROM bank_entry_holders x WHERE x.entry_id = e.id)"
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("hunt_state", sa.String(16), nullable=True))
        batch.add_column(sa.Column("hunt_approved_by", sa.String(100), nullable=True))
    # Cases approved before this revision already ran their hunt.
    op.execute("UPDATE cases SET hunt_state = 'done' WHERE actioned_at IS NOT NULL")
    op.create_table(
        "portal_attempts",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("address_key", sa.String(64), nullable=False),
        sa.Column("pattern_key", sa.String(64), nullable=True),
        sa.Column("challenge_key", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_attempts"),
        sa.UniqueConstraint("challenge_key", name="uq_portal_attempts_challenge_key"),
    )
    op.create_index("ix_portal_attempts_at", "portal_attempts", ["at"])
    op.create_index("ix_portal_attempts_address_key", "portal_attempts", ["address_key"])
    op.create_index("ix_portal_attempts_pattern_key", "portal_attempts", ["pattern_key"])


def downgrade() -> None:
    op.drop_table("portal_attempts")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("hunt_approved_by")
        batch.drop_column("hunt_state")
    op.drop_table("bank_entry_holders")
