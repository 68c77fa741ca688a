"""Bank changes announce themselves: a PostgreSQL ``NOTIFY`` from the change log's own insert.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

A statement-level trigger on ``entry_changes`` calls ``pg_notify`` with the largest ``seq``
the statement wrote. ``NOTIFY`` is transactional: it is delivered when the transaction that
wrote the change commits, and never if it rolls back, so a listener is never told of a change
it cannot read yet. Being in the database rather than in Python, it covers every writer of
the log (bank store, claims, expiry, bulk import) with no code path able to forget it.

The notification only says "read the log from your position"; the log stays the source of
truth (``store/change_signal.py``, ``pipeline/change_feed.py``). SQLite has no such channel:
nothing is created there. Written by hand and frozen.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None

CHANNEL = "shieldwall_changes"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION shieldwall_notify_changes() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            top bigint;
        BEGIN
            SELECT max(seq) INTO top FROM new_rows;
            IF top IS NOT NULL THEN  -- an INSERT ... SELECT of no rows announces nothing
                PERFORM pg_notify('{CHANNEL}', top::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER entry_changes_notify
        AFTER INSERT ON entry_changes
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION shieldwall_notify_changes()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS entry_changes_notify ON entry_changes")
    op.execute("DROP FUNCTION IF EXISTS shieldwall_notify_changes()")
