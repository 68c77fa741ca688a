"""The kill test for group commit: SIGKILL the real ``shieldwall serve`` under load.

Eight clients send lookups (a fifth of them match a victim bank) as fast as the
server answers; the server is killed with SIGKILL while requests are in flight,
between and inside batches. Every lookup that was answered 200 must be stored with
the decision it was answered with, and the audit chain must verify with one
``decision.made`` event per stored item: a batch is acknowledged only after it
committed, and a batch that did not commit leaves nothing half-written. Runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from shieldwall.audit.verify import verify_chain
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from tests.conftest import free_port
from tests.e2e.serve.serve_support import seed_site, site_env, start_serve, wait_ready

BANKED = "c3" * 32
CLIENTS = 8
ACKED_BEFORE_KILL = 150


@pytest.mark.slow
@pytest.mark.timeout(900)  # a server start-up under load; minutes on a busy shared machine
def test_a_killed_server_loses_no_acknowledged_lookup(database_url: str, tmp_path: Path) -> None:
    settings, key = seed_site(database_url, tmp_path / "data", BANKED)
    port = free_port()
    env = site_env(database_url, tmp_path / "data")
    log_path = tmp_path / "serve.log"
    acked: dict[str, tuple[str, str]] = {}  # content_id -> (decision_id, verdict)
    lock = threading.Lock()
    stop = threading.Event()
    base = f"http://127.0.0.1:{port}"

    def client(c: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            n = 0
            while not stop.is_set():
                n += 1
                cid = f"k{c}-{n}"
                pdq = BANKED if n % 5 == 0 else uuid.uuid4().hex * 2
                try:
                    r = http.post(
                        "/v1/lookup",
                        json={"content_id": cid, "pdq": pdq},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    body = r.json()
                    with lock:
                        acked[cid] = (body["decision_id"], body["verdict"])

    with log_path.open("w") as log:
        proc = start_serve(port, env, log)
        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        try:
            wait_ready(proc, base, log_path, timeout=120)
            deadline = time.monotonic() + 120
            for t in threads:
                t.start()
            while len(acked) < ACKED_BEFORE_KILL:
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline + 240, "the server answered too few lookups"
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)  # clients are mid-request
            assert proc.wait(timeout=10) == -signal.SIGKILL
        finally:
            stop.set()
            for t in threads:
                if t.is_alive():
                    t.join(60)
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    rt = Runtime.open(settings, migrate=False)
    try:
        for cid, (decision_id, verdict) in acked.items():
            found = rt.items.find_item_with_decision(cid)
            assert found is not None, f"{cid} was acknowledged but is not stored"
            assert (found[1].id, found[1].verdict) == (decision_id, verdict)
        assert any(v == "remove" for _, v in acked.values())
        events = list(AuditStore(session_factory(rt.engine)).iter_events())
        assert verify_chain(events).ok
        made = [e for e in events if e.action == "decision.made"]
        assert len(made) == rt.items.count_items() >= len(acked)
    finally:
        rt.close()
