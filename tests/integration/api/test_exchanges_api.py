"""``/v1/exchanges`` end to end in-process: configure a StopNCII-style exchange, fetch it from a
fake server on loopback, see a withdrawal stop matching; the worker's pass fetches what is
due; only admin keys configure, and credentials never enter the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shieldwall.worker.exchanges import fetch_due
from tests.integration.api.conftest import Api
from tests.integration.exchange.fake_stopncii import API_KEY, FakeStopNCII

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


@pytest.fixture
def server() -> Iterator[FakeStopNCII]:
    fake = FakeStopNCII()
    yield fake
    fake.stop()


def _lookup(api: Api, pdq: str) -> list[str]:
    found = api.client.get(
        "/hma/m/raw_lookup", params={"signal": pdq, "signal_type": "pdq"}, headers=api.admin
    )
    return list(found.json()["matches"])


def test_configure_fetch_and_withdraw_through_the_api(
    api: Api, server: FakeStopNCII, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"sncii": {"api_key": API_KEY}}))
    object.__setattr__(api.runtime.settings, "exchange_secrets_file", secrets)
    api.client.post("/v1/banks", json={"name": "sncii", "purpose": "victim"}, headers=api.admin)
    server.put(PDQ)
    url = server.start()
    created = api.client.post(
        "/v1/exchanges",
        json={"name": "sncii", "kind": "stopncii", "bank": "sncii", "config": {"base_url": url}},
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["trust"] == "review"
    fetched = api.client.post("/v1/exchanges/sncii/fetch", headers=api.admin)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["added"] == 1
    assert len(_lookup(api, PDQ)) == 1

    server.put(PDQ, status="Withdrawn")
    # The worker's scheduled pass: due because the interval is shortened to 1 s.
    api.client.patch("/v1/exchanges/sncii", json={"interval_s": 1}, headers=api.admin)
    api.runtime.exchanges.update("sncii", interval_s=0)
    (report,) = fetch_due(api.runtime)
    assert report.withdrawn == 1
    assert _lookup(api, PDQ) == []
    shown = api.client.get("/v1/exchanges/sncii", headers=api.admin).json()
    assert shown["checkpoint"] == str(server.clock) and shown["last_error"] is None


def test_only_admins_configure_and_credentials_stay_out_of_the_database(
    api: Api, server: FakeStopNCII
) -> None:
    """A key that may write banks must not be able to point an exchange at a victims' bank
    (a tombstone feed would withdraw their hashes), and nobody can store a partner's key
    where a database dump or an API read would reveal it."""
    api.client.post("/v1/banks", json={"name": "victims", "purpose": "victim"}, headers=api.admin)
    body = {
        "name": "x",
        "kind": "stopncii",
        "bank": "victims",
        "config": {"base_url": "http://127.0.0.1:9"},
    }
    writer = api.headers_for("banks:write")
    assert api.client.post("/v1/exchanges", json=body, headers=writer).status_code == 403
    assert api.client.post("/v1/exchanges/x/fetch", headers=writer).status_code == 403
    leaky = {**body, "config": {"base_url": "http://127.0.0.1:9", "api_key": "s3cret"}}
    refused = api.client.post("/v1/exchanges", json=leaky, headers=api.admin)
    assert refused.status_code == 422
    assert "secrets file" in refused.json()["detail"]
    unknown = api.client.post("/v1/exchanges", json={**body, "kind": "nope"}, headers=api.admin)
    assert unknown.status_code == 422
    no_bank = api.client.post("/v1/exchanges", json={**body, "bank": "missing"}, headers=api.admin)
    assert no_bank.status_code == 404


def test_a_busy_exchange_answers_409_and_a_dead_server_502(api: Api) -> None:
    api.client.post("/v1/banks", json={"name": "b", "purpose": "partner"}, headers=api.admin)
    body = {
        "name": "x",
        "kind": "stopncii",
        "bank": "b",
        "config": {"base_url": "http://127.0.0.1:9"},
    }
    assert api.client.post("/v1/exchanges", json=body, headers=api.admin).status_code == 201
    api.runtime.exchanges.acquire_lease("x", owner="elsewhere", ttl_s=3600)
    busy = api.client.post("/v1/exchanges/x/fetch", headers=api.admin)
    assert busy.status_code == 409 and busy.json()["code"] == "exchange_busy"
    api.runtime.exchanges.release_lease("x", owner="elsewhere")
    dead = api.client.post("/v1/exchanges/x/fetch", headers=api.admin)
    assert dead.status_code in (422, 502)  # no credential configured, or nothing listening
    assert dead.json()["code"] in ("invalid_input", "exchange_fetch_failed")
