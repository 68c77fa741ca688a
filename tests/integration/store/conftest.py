"""Fixtures for the bank-store tests: every test runs once on SQLite and once on PostgreSQL.

Each test gets an empty, un-migrated database of its own: a SQLite file in
``tmp_path``, or a fresh schema in the session's PostgreSQL database (the
``search_path`` is set through the URL, so the store code sees a plain
database either way).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shieldwall.store import BankStore, make_engine, session_factory, upgrade

_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _new_pg_schema(base: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def _drop_pg_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=_BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, never-migrated database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'banks.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    schema, url = _new_pg_schema(base)
    try:
        yield url
    finally:
        _drop_pg_schema(base, schema)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "banks.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_migrated(postgres_url: str) -> Iterator[str]:
    schema, url = _new_pg_schema(postgres_url)
    upgrade(url)
    try:
        yield url
    finally:
        _drop_pg_schema(postgres_url, schema)


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with no rows in it.

    Migrating takes a third of a second, so it happens once per session: SQLite
    tests get a copy of a migrated file, PostgreSQL tests share one migrated
    schema that is emptied (and its id sequences reset) before each test.
    """
    if request.param == "sqlite":
        path = tmp_path / "banks.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("_pg_migrated")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            tables = [
                name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"
            ]
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine: sa.Engine) -> BankStore:
    return BankStore(session_factory(engine))
