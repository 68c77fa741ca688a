"""``shieldwall serve --workers N``: several processes on one port, one shared database.

What an operator relies on: the processes all answer, every lookup is stored once in
one audit chain, and a bank entry added through one process is matched by another
(the change log carries it). Two replicas on two ports stand in for "another process"
so the test knows which one answered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from shieldwall.audit.verify import verify_chain
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from tests.conftest import free_port
from tests.e2e.serve.serve_support import start_serve, wait_ready

BANKED = "5a" * 32


@contextmanager
def _servers(tmp_path: Path, *workers: int) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Start one server per ``workers`` count at once (start-up is the slow part), wait
    until every one is ready, stop them all afterwards."""
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(tmp_path / "data")}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for count in workers:
            port = free_port()
            log_path = tmp_path / f"serve-{port}.log"
            with log_path.open("w") as log:
                proc = start_serve(port, env, log, workers=count)
            started.append((f"http://127.0.0.1:{port}", proc, log_path))
        deadline = time.monotonic() + 600
        for base, proc, log_path in started:
            wait_ready(proc, base, log_path, timeout=max(deadline - time.monotonic(), 1.0))
        yield [(base, proc) for base, proc, _ in started]
    finally:
        for _, proc, _ in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc, _ in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _workers(pid: int) -> list[int]:
    """The server processes (spawned workers) under ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)  # three server processes start; minutes on a busy shared machine
def test_workers_share_the_port_and_a_bank_change_reaches_another_process(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    rt = Runtime.open(settings, migrate=True)
    key, _ = rt.keys.create_api_key(name="ops", scopes=["admin"], rate_limit_per_minute=10**6)
    rt.close()
    auth = {"Authorization": f"Bearer {key}"}

    with _servers(tmp_path, 2, 1) as [(base, proc), (other, _)]:
        assert len(_workers(proc.pid)) == 2  # two server processes behind one port
        for n in range(30):  # fresh connections: the kernel spreads them over the workers
            r = httpx.post(
                f"{base}/v1/lookup",
                json={"content_id": f"w-{n}", "pdq": f"{n:064x}"},
                headers=auth,
                timeout=30,
            )
            assert r.status_code == 200, r.text
        # Added through one process ...
        r = httpx.post(
            f"{base}/v1/banks",
            json={"name": "victims", "purpose": "victim"},
            headers=auth,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        r = httpx.post(
            f"{base}/v1/banks/victims/entries",
            json={"entries": [{"signal_type": "pdq", "value": BANKED, "case_id": "c-1"}]},
            headers=auth,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        # ... matched by another (which learns of it from the change log).
        deadline = time.monotonic() + 60
        n = 0
        while True:
            n += 1
            r = httpx.post(
                f"{other}/v1/lookup",
                json={"content_id": f"after-{n}", "pdq": BANKED},
                headers=auth,
                timeout=30,
            )
            assert r.status_code == 200, r.text
            if r.json()["verdict"] == "remove":
                break
            assert time.monotonic() < deadline, "the other process never saw the new entry"
            time.sleep(0.05)

    rt = Runtime.open(settings, migrate=False)
    try:
        assert rt.items.count_items() == 30 + n
        assert verify_chain(list(AuditStore(session_factory(rt.engine)).iter_events())).ok
    finally:
        rt.close()
