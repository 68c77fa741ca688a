"""Migrations: an empty database comes up to the newest revision, and the schema they build
is the one the ORM models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shieldwall.store import current_revision, downgrade, head_revision, make_engine, upgrade
from shieldwall.store.models import Base

TABLES = {"banks", "bank_entries", "bank_entry_variants", "entry_changes"}


def _table_of(diff: object) -> str | None:
    # A diff is a tuple like ("add_index", Index) or a list of column-level tuples.
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str) and part in TABLES:
            return part
        name = getattr(part, "name", None)
        if isinstance(name, str) and name in TABLES:
            return name
    return None


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    assert _tables(empty_db_url) >= TABLES


def test_upgrade_twice_is_harmless(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()


def test_downgrade_to_base_drops_every_table_and_upgrade_restores_them(
    empty_db_url: str,
) -> None:
    db_url = empty_db_url
    upgrade(db_url)
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert not (TABLES & _tables(db_url))
    upgrade(db_url)
    assert _tables(db_url) >= TABLES


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            # Other parts of the service add their own tables in later revisions;
            # this test holds the bank tables to their models.
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: kind != "table" or name in TABLES,
                },
            )
            diffs = [d for d in compare_metadata(context, Base.metadata) if _table_of(d) in TABLES]
    finally:
        engine.dispose()
    assert diffs == []
