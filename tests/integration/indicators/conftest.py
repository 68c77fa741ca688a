"""Fixtures for indicator lists: a migrated store, and the in-process API with the router.

Every test that takes ``database_url`` runs on a fresh SQLite file and on a fresh PostgreSQL
schema. The API fixture adds the indicator-list router itself when ``create_app`` does not
(yet) include it, so these tests hold the router to its contract either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.api.routers import indicators as indicators_router
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import make_engine, session_factory, upgrade
from shieldwall.store.indicators import IndicatorStore


@pytest.fixture
def store(database_url: str) -> Iterator[IndicatorStore]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield IndicatorStore(session_factory(engine))
    engine.dispose()


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    admin: dict[str, str]

    def headers_for(self, *scopes: str) -> dict[str, str]:
        key, _ = self.runtime.keys.create_api_key(name="test", scopes=list(scopes))
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    runtime = Runtime.open(settings, migrate=True)
    key, _ = runtime.keys.create_api_key(name="admin", scopes=["admin"])
    app = create_app(runtime=runtime)
    prefix = indicators_router.router.prefix
    if not any(getattr(r, "path", "").startswith(prefix) for r in app.routes):
        app.include_router(indicators_router.router)
    with TestClient(app) as client:
        yield Api(client, runtime, {"Authorization": f"Bearer {key}"})
    runtime.close()
