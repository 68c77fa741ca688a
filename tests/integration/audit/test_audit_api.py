"""Auditor endpoints in-process: verify the trail, fetch the key, download a bundle that
verifies offline; callers without the scope are turned away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.api.routers import proof
from shieldwall.config import load_settings
from shieldwall.evidence import verify_bundle
from shieldwall.runtime import Runtime
from tests.integration.audit.conftest import new_decision, new_item


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Runtime]]:
    rt = Runtime.open(load_settings(data_dir=tmp_path / "d", database_url=db_url), migrate=True)
    key, _ = rt.keys.create_api_key(name="auditor", scopes=["admin"])
    app = create_app(runtime=rt)
    app.include_router(proof.router)
    with TestClient(app) as c:
        yield c, {"Authorization": f"Bearer {key}"}, rt
    rt.close()


def test_auditor_endpoints(client: tuple[TestClient, dict[str, str], Runtime]) -> None:
    c, auth, rt = client
    rt.items.record(item=new_item("c-1"), decision=new_decision())
    assert c.get("/v1/audit/verify").status_code == 401
    report = c.get("/v1/audit/verify", headers=auth).json()
    assert report["ok"] is True and report["events_checked"] >= 2
    pem = c.get("/v1/audit/public-key", headers=auth)
    assert pem.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    bundle = c.get("/v1/audit/evidence", params={"content_id": "c-1"}, headers=auth)
    assert bundle.status_code == 200
    checked = verify_bundle(bundle.content, trusted_keys=[pem.content])
    assert checked.manifest["items"][0]["content_id"] == "c-1"
    assert len(c.get("/v1/audit/checkpoints", headers=auth).json()) == 1
    assert (
        c.get("/v1/audit/evidence", params={"content_id": "nope"}, headers=auth).status_code == 404
    )
