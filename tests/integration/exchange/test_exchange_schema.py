"""The ``exchanges`` table built by migration 0012 is exactly what ``ExchangeRow`` describes,
on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shieldwall.store import make_engine, upgrade
from shieldwall.store.models import Base


def _involves_exchanges(diff: object) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None) or part
        if name == "exchanges":
            return True
    return False


def test_the_exchanges_table_matches_its_model(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, Base.metadata) if _involves_exchanges(d)]
    finally:
        engine.dispose()
    assert diffs == []
