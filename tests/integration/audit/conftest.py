"""Fixtures for the audit-trail tests: a migrated database of the test's own, on SQLite
and on PostgreSQL, plus helpers to store decisions the way the pipeline does."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from shieldwall.store import make_engine, session_factory, upgrade
from shieldwall.store.service_records import NewAction, NewDecision, NewItem
from tests.conftest import postgres_schema

_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit-template") / "audit.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database (SQLite file or PostgreSQL schema)."""
    if request.param == "sqlite":
        path = tmp_path / "audit.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        upgrade(url)
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sa.orm.sessionmaker[sa.orm.Session]:
    return session_factory(engine)


def new_item(content_id: str, *, uploader: str | None = "user-81723") -> NewItem:
    return NewItem(
        content_id=content_id,
        source="upload",
        surface="feed",
        uploader_id=uploader,
        pdq="f" * 64,
        md5="a" * 32,
        sha256="b" * 64,
        jurisdictions=("GB",),
    )


def new_decision(verdict: str = "block", *, source: str = "upload") -> NewDecision:
    did = str(uuid.uuid4())
    return NewDecision(
        id=did,
        source=source,
        verdict=verdict,
        policy_version="2025.1",
        fired=[{"rule_id": "victim_bank_exact", "category": "ncii_known_match"}],
        reasons=["matched a victim bank entry"],
        matches=[{"bank": "victims", "entry_id": 1, "signal_type": "pdq", "distance": 3}],
        signals=[],
        notes=[],
        actions=[NewAction("webhook", {"event": "decision.created"}, f"{did}:notify")],
    )
