"""Two real Shieldwall servers on loopback: B subscribes to A's bank feed through the
exchange framework, verifies every page's signature against A's pinned key, and a victim's
withdrawal on A stops matching on B at B's next fetch. A page signed by any other key is
refused with nothing applied."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from shieldwall.api import create_app
from shieldwall.audit import CheckpointSigner
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from tests.conftest import loopback_socket

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@contextmanager
def _server(runtime: Runtime) -> Iterator[str]:
    sock = loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a start-up guard, not a measurement
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _lookup(base: str, key: str, **hashes: str) -> list[Any]:
    body = {"content_id": f"c-{time.monotonic_ns()}", **hashes}
    response = httpx.post(f"{base}/v1/lookup", json=body, headers=_auth(key), timeout=60)
    assert response.status_code == 200, response.text
    return list(response.json()["matches"])


def test_a_withdrawal_on_one_instance_reaches_its_subscriber(tmp_path: Path) -> None:
    rt_a = Runtime.open(load_settings(data_dir=tmp_path / "a"), migrate=True)
    admin_a, _ = rt_a.keys.create_api_key(name="admin", scopes=["admin"])
    reader_for_b, _ = rt_a.keys.create_api_key(name="instance-b", scopes=["banks:read"])
    settings_b = load_settings(
        data_dir=tmp_path / "b", exchange_credentials={"from-a": {"api_key": reader_for_b}}
    )
    rt_b = Runtime.open(settings_b, migrate=True)
    admin_b, _ = rt_b.keys.create_api_key(name="admin", scopes=["admin"])
    try:
        with _server(rt_a) as a, _server(rt_b) as b:
            httpx.post(
                f"{a}/v1/banks",
                json={"name": "victims", "purpose": "victim"},
                headers=_auth(admin_a),
            )
            added = httpx.post(
                f"{a}/v1/banks/victims/entries",
                json={
                    "entries": [
                        {"signal_type": "pdq", "value": PDQ, "case_id": "victim-case-1"},
                        {"signal_type": "md5", "value": MD5},
                    ]
                },
                headers=_auth(admin_a),
            ).json()
            pdq_id = added["entry_ids"][0]
            pem = httpx.get(f"{a}/v1/feeds/victims/public-key", headers=_auth(reader_for_b)).text

            httpx.post(
                f"{b}/v1/banks",
                json={"name": "from-a", "purpose": "partner"},
                headers=_auth(admin_b),
            )
            created = httpx.post(
                f"{b}/v1/exchanges",
                json={
                    "name": "from-a",
                    "kind": "shieldwall",
                    "bank": "from-a",
                    "config": {"base_url": a, "bank": "victims", "public_key": pem},
                    "trust": "auto",
                },
                headers=_auth(admin_b),
            )
            assert created.status_code == 201, created.text

            first = httpx.post(
                f"{b}/v1/exchanges/from-a/fetch", headers=_auth(admin_b), timeout=120
            )
            assert first.status_code == 200, first.text
            assert first.json()["added"] == 2
            assert [m["bank"] for m in _lookup(b, admin_b, pdq=PDQ)] == ["from-a"]
            # The victim's case reference never leaves A.
            exported = httpx.get(f"{b}/v1/banks/from-a/export", headers=_auth(admin_b)).text
            assert "victim-case-1" not in exported

            withdrawn = httpx.post(
                f"{a}/v1/banks/victims/entries/{pdq_id}/withdraw", headers=_auth(admin_a)
            )
            assert withdrawn.status_code == 200
            second = httpx.post(
                f"{b}/v1/exchanges/from-a/fetch", headers=_auth(admin_b), timeout=120
            ).json()
            assert second["withdrawn"] == 1 and second["added"] == 0
            assert _lookup(b, admin_b, pdq=PDQ) == []
            assert [m["bank"] for m in _lookup(b, admin_b, md5=MD5)] == ["from-a"]

            # A subscriber pinned to another key (a forged or intercepted feed) applies nothing.
            stranger = CheckpointSigner.generate().export_public_key().decode()
            httpx.post(
                f"{b}/v1/banks",
                json={"name": "forged", "purpose": "partner"},
                headers=_auth(admin_b),
            )
            httpx.post(
                f"{b}/v1/exchanges",
                json={
                    "name": "forged",
                    "kind": "shieldwall",
                    "bank": "forged",
                    "config": {"base_url": a, "bank": "victims", "public_key": stranger},
                },
                headers=_auth(admin_b),
            )
            rt_b.settings.exchange_credentials["forged"] = {"api_key": reader_for_b}
            refused = httpx.post(
                f"{b}/v1/exchanges/forged/fetch", headers=_auth(admin_b), timeout=120
            )
            assert refused.status_code == 502
            assert refused.json()["code"] == "exchange_fetch_failed"
            banks = httpx.get(f"{b}/v1/banks/forged", headers=_auth(admin_b)).json()
            assert banks["active_entries"] == 0
    finally:
        rt_a.close()
        rt_b.close()
