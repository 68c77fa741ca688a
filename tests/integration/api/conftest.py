"""An in-process API over a real database (SQLite file or PostgreSQL schema), with keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    admin: dict[str, str]
    key: str

    def headers_for(self, *scopes: str, rate_limit: int | None = None) -> dict[str, str]:
        key, _ = self.runtime.keys.create_api_key(
            name="test", scopes=list(scopes), rate_limit_per_minute=rate_limit
        )
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    runtime = Runtime.open(settings, migrate=True)
    key, _ = runtime.keys.create_api_key(name="admin", scopes=["admin"])
    app = create_app(runtime=runtime)
    with TestClient(app) as client:
        yield Api(client, runtime, {"Authorization": f"Bearer {key}"}, key)
    runtime.close()
