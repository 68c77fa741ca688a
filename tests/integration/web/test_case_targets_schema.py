"""Migrations 0011 and 0014 build ``case_targets``, ``case_clocks``, ``child_safety_reports`` (with
its agency) and ``case_notices`` exactly as their models describe them, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shieldwall.store import make_engine, upgrade
from shieldwall.store.case_clocks import CaseClockRow
from shieldwall.store.case_notices import CaseNoticeRow
from shieldwall.store.case_targets import CaseTargetRow
from shieldwall.store.child_safety import ChildSafetyReportRow
from shieldwall.store.models import Base


def _names(diff: object) -> set[str]:
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    found = set()
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None) or part
        if isinstance(name, str):
            found.add(name)
    return found


def test_case_tables_match_their_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [
                d
                for d in compare_metadata(context, Base.metadata)
                if {
                    CaseTargetRow.__tablename__,
                    CaseClockRow.__tablename__,
                    ChildSafetyReportRow.__tablename__,
                    CaseNoticeRow.__tablename__,
                }
                & _names(d)
            ]
    finally:
        engine.dispose()
    assert diffs == []
