"""Fixtures for the video tests: the test clips, a migrated runtime, and an API over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from tests.integration.video.video_clips import Clips, make_clips


@pytest.fixture(scope="session")
def clips(photo_paths: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return make_clips(photo_paths, tmp_path_factory.mktemp("video-clips"))


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings(
        data_dir=tmp_path / "data", database_url=database_url, max_upload_bytes=2_000_000
    )
    rt = Runtime.open(settings, migrate=True)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime=runtime, warm_signals=False)
    with TestClient(app) as c:
        yield c


def bearer(runtime: Runtime, *scopes: str) -> dict[str, str]:
    key, _ = runtime.keys.create_api_key(name="video-test", scopes=list(scopes))
    return {"Authorization": f"Bearer {key}"}
