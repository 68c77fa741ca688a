"""The web tables built by the migration are exactly the ones the models describe, on SQLite
and PostgreSQL; and ``shieldwall users create`` bootstraps an account from stdin."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from shieldwall.store import make_engine, session_factory, upgrade, web_models
from shieldwall.store.models import Base
from shieldwall.store.users import UserStore
from shieldwall.store.web_models import __all__ as ROW_NAMES

TABLES = {getattr(web_models, name).__tablename__ for name in ROW_NAMES}


def _involves_web_table(diff: object) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None) or part
        if isinstance(name, str) and name in TABLES:
            return True
    return False


def test_web_tables_match_their_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, Base.metadata) if _involves_web_table(d)]
    finally:
        engine.dispose()
    assert diffs == []
    assert len(TABLES) == 9


def test_users_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    from shieldwall.cli.app import app
    from shieldwall.cli.users_cmd import users_app

    if not any(getattr(g, "name", None) == "users" for g in app.registered_groups):
        app.add_typer(users_app, name="users")  # until the lead registers it
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(tmp_path),
            "users",
            "create",
            "--username",
            "root",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    url = f"sqlite:///{tmp_path / 'shieldwall.db'}"
    engine = make_engine(url)
    try:
        assert UserStore(session_factory(engine)).get_user("root").role == "admin"
    finally:
        engine.dispose()
    short = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(tmp_path),
            "users",
            "create",
            "--username",
            "x",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert short.exit_code != 0
