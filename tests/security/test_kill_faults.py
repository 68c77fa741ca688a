"""kill -9 fault suite: real processes killed mid-work, then started again, on SQLite and
PostgreSQL.

After each restart: nothing acknowledged is lost, nothing is decided twice for the same
``content_id``, owed webhooks arrive at least once with the same idempotency key, and
``shieldwall audit verify`` passes. (The server killed with lookups in flight is
``tests/e2e/serve/test_serve_kill.py``; the worker killed mid-webhook-delivery is
``tests/e2e/worker/test_worker_kill.py``; these cover the rest.)
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.e2e.serve.serve_support import site_env

CLI = str(Path(sys.executable).parent / "shieldwall")
LINES = 30_000
"""Six of the CLI's 5,000-entry chunks: a kill after the first lands with work left."""
PLANTED = 60
"""Items seen before the import whose PDQ is one of its lines, spread over every chunk."""


def _audit_verifies(database_url: str, data_dir: Path) -> None:
    done = subprocess.run(
        [CLI, "audit", "verify", "--json"],
        env=site_env(database_url, data_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _count(database_url: str, sql: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_bank_import_killed_half_way_loses_no_entry_and_no_hunt(
    database_url: str, tmp_path: Path
) -> None:
    """SIGKILL ``shieldwall bank import`` after its first chunks committed, run it again:
    every line is in the bank once, every item seen before that matches a line has exactly
    one retro-hunt decision (none lost between a chunk's commit and its hunt, none twice),
    and the audit chain verifies."""
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    values = [secrets.token_hex(32) for _ in range(LINES)]
    planted = values[:: LINES // PLANTED][:PLANTED]
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
        key, _ = rt.keys.create_api_key(name="seen", scopes=["lookup"])
        with TestClient(create_app(runtime=rt)) as client:
            for n, value in enumerate(planted):
                seen = client.post(
                    "/v1/lookup",
                    json={"content_id": f"seen-{n}", "pdq": value},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert seen.status_code == 200, seen.text
    finally:
        rt.close()
    feed = tmp_path / "feed.txt"
    feed.write_text("".join(f"pdq {v}\n" for v in values))
    command = [CLI, "bank", "import", "victims", str(feed), "--format", "threatexchange"]
    command.append("--json")
    env = site_env(database_url, data_dir)

    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    stored = 0
    try:
        while stored == 0:
            assert first.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "no chunk committed in time"
            time.sleep(0.02)
            stored = _count(database_url, "SELECT count(*) FROM bank_entries")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert 0 < stored < LINES

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _count(database_url, "SELECT count(*) FROM bank_entries") == LINES
    assert _count(database_url, "SELECT count(DISTINCT value) FROM bank_entries") == LINES
    rt = Runtime.open(settings, migrate=False)
    try:
        hunted: dict[int, list[str]] = {}
        for n in range(PLANTED):
            found = rt.items.find_item_with_decision(f"seen-{n}")
            assert found is not None
            decisions = rt.items.decisions_for_item(found[0].id)
            hunted[n] = [d.source for d in decisions if d.source != "lookup"]
        assert all(len(sources) == 1 for sources in hunted.values()), (stored, repr(hunted))
    finally:
        rt.close()
    _audit_verifies(database_url, data_dir)


def _png(seed: int) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize((64, 64), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    import httpx

    command = [CLI, "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_server_killed_with_scans_in_flight_decides_nothing_twice_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    """SIGKILL ``shieldwall serve`` while uploads are in flight, start it again, and let every
    client re-send every upload it had begun (acknowledged or not), as a platform retrying
    would: each acknowledged scan comes back with the decision it was first answered with,
    each content id has exactly one decision, and ``audit verify`` passes."""
    import threading

    import httpx

    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    rt = Runtime.open(settings, migrate=True)
    try:
        key, _ = rt.keys.create_api_key(name="kill", scopes=["scan"], rate_limit_per_minute=10**6)
    finally:
        rt.close()
    images = [_png(n) for n in range(8)]
    env = site_env(database_url, data_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "image/png"}
    acked: dict[str, str] = {}
    begun: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(c: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            n = 0
            while not stop.is_set():
                n += 1
                cid = f"kill-scan-{c}-{n}"
                with lock:
                    begun.add(cid)
                try:
                    r = http.post(f"/v1/scan?content_id={cid}", content=images[n % 8], headers=auth)
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acked[cid] = r.json()["decision_id"]

    log = tmp_path / "serve.log"
    proc = _serve(env, port, log)
    threads = [threading.Thread(target=client, args=(c,)) for c in range(4)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 300
        while len(acked) < 30:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server answered too few scans"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        stop.set()
        for t in threads:
            t.join(120)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(begun) > len(acked)  # some uploads were in flight when it died

    proc = _serve(env, port, log)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            for cid in sorted(begun):
                n = int(cid.rsplit("-", 1)[1])
                again = http.post(f"/v1/scan?content_id={cid}", content=images[n % 8], headers=auth)
                assert again.status_code == 200, again.text
                if cid in acked:
                    assert again.json()["decision_id"] == acked[cid], cid
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text()
    per_content = _count(
        database_url,
        "SELECT count(*) FROM (SELECT content_id FROM decisions "
        "GROUP BY content_id HAVING count(*) > 1) AS twice",
    )
    assert per_content == 0
    assert _count(database_url, "SELECT count(DISTINCT content_id) FROM items") == len(begun)
    _audit_verifies(database_url, data_dir)
