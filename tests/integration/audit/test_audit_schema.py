"""The audit tables that the migration builds are exactly the ones the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shieldwall.store import head_revision
from shieldwall.store.models import Base

TABLES = {"audit_events", "audit_personal", "audit_checkpoints"}


def _ours(obj: object, name: str | None, kind: str, _reflected: bool, _other: object) -> bool:
    table = obj if kind == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) in TABLES


def test_migrated_audit_tables_match_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _p: kind != "table" or name in TABLES,
                "include_object": _ours,
            },
        )
        diffs = compare_metadata(context, Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diffs == []
    assert tables >= TABLES


def test_there_is_exactly_one_head() -> None:
    from alembic.script import ScriptDirectory

    from shieldwall.store.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]
