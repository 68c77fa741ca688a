"""Two apps on one runtime: the site's review-media sink and the API's stored sink are
both called, whichever app started last, and an app that stops takes only its own sink.

(Before sinks, each app reassigned ``runtime.scanner.on_stored``: a second app started on
the same runtime silently replaced the site's hook, and uploads stopped being kept.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store.web_models import ReviewMediaRow
from shieldwall.web import create_site


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = Runtime.open(load_settings(data_dir=tmp_path_factory.mktemp("sinks") / "data"))
    yield rt
    rt.close()


def _kept(rt: Runtime, content_id: str) -> bool:
    item_id = rt.items.get_item(content_id).id
    with rt.engine.connect() as conn:
        rows = conn.execute(
            ReviewMediaRow.__table__.select().where(ReviewMediaRow.item_id == item_id)
        ).all()
    return len(rows) == 1


def _scan(client: TestClient, key: str, path: Path, content_id: str) -> None:
    response = client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": content_id},
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text


def test_a_second_app_on_the_runtime_does_not_replace_the_sites_sinks(
    runtime: Runtime, photo_paths: list[Path]
) -> None:
    key, _ = runtime.keys.create_api_key(name="platform", scopes=["scan"])
    site = create_site(runtime.settings, runtime=runtime, keep_review_media=True)
    api = create_app(runtime.settings, runtime=runtime)
    sinks = runtime.scanner.sinks
    with TestClient(site) as site_client:
        with TestClient(api) as api_client:
            assert len(sinks._stored()) == 2 and len(sinks._media()) == 1
            _scan(site_client, key, photo_paths[0], "via-site")
            _scan(api_client, key, photo_paths[1], "via-api")
            # Both apps' sinks heard both scans: the site kept each upload, and the API
            # remembered each item in the seen-items index (a cluster search finds it).
            assert _kept(runtime, "via-site") and _kept(runtime, "via-api")
            for content_id in ("via-site", "via-api"):
                item = runtime.items.get_item(content_id)
                assert item.pdq
                (row,) = runtime.seen.search([item.pdq], 0)
                assert item.id in {i for i, _ in row}
        # The API app stopped: only its own sink went with it.
        assert len(sinks._stored()) == 1 and len(sinks._media()) == 1
        _scan(site_client, key, photo_paths[2], "after-api-stopped")
        assert _kept(runtime, "after-api-stopped")
    assert not sinks
