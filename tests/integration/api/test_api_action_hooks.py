"""A lookup's new outbox rows reach ``on_actions`` by id, as stored, with nothing read back.

``shieldwall serve`` queues those rows for the worker through this hook; the rows it is
told of must be exactly the ones the decision stored, and a decision without actions must
not wake it. Pages' decisions still go through ``on_decisions``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime

PDQ = "f" * 32 + "0" * 32


def test_a_lookups_outbox_rows_reach_on_actions_by_id(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=database_url)
    rt = Runtime.open(settings, migrate=True)
    key, _ = rt.keys.create_api_key(name="admin", scopes=["admin"])
    headers = {"Authorization": f"Bearer {key}"}
    told_rows: list[int] = []
    told_decisions: list[str] = []

    def on_actions(_: Runtime, rows: Sequence[int]) -> None:
        told_rows.extend(rows)

    def on_decisions(_: Runtime, ids: Sequence[str]) -> None:
        told_decisions.extend(ids)

    app = create_app(runtime=rt, on_decisions=on_decisions, on_actions=on_actions)
    try:
        with TestClient(app) as client:
            client.post("/v1/banks", json={"name": "victims", "purpose": "victim"}, headers=headers)
            client.post(
                "/v1/banks/victims/entries",
                json={"entries": [{"signal_type": "pdq", "value": PDQ}]},
                headers=headers,
            )
            plain = client.post(
                "/v1/lookup",
                json={"content_id": f"h-{uuid.uuid4().hex}", "pdq": "0" * 64},
                headers=headers,
            )
            assert plain.status_code == 200, plain.text
            assert told_rows == []  # no actions: nobody is woken
            for _ in range(2):  # the full app's lane, then the fast lane
                hit = client.post(
                    "/v1/lookup",
                    json={"content_id": f"h-{uuid.uuid4().hex}", "pdq": PDQ},
                    headers=headers,
                )
                assert hit.status_code == 200, hit.text
                decision = hit.json()["decision_id"]
                stored = [row.id for row in rt.outbox.for_decision(decision)]
                assert stored, "a match in a victim bank carries actions under the default policy"
                assert told_rows[-len(stored) :] == stored
            assert told_decisions == []  # scans and lookups no longer go this way
    finally:
        rt.close()
