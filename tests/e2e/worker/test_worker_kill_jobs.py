"""SIGKILL the real ``shieldwall worker`` in the middle of bank additions (``add_to_bank``
actions, each a store write plus a retro-hunt over everything already seen), start it again:
every action ends delivered, every entry is in the bank, every remembered item that one of
them matches is decided once and only once, and the audit chain still verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from tests.e2e.worker.test_worker_kill import LAUNCH

from shieldwall.config import load_settings
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose

JOBS = 150
EXE = str(Path(sys.executable).with_name("shieldwall"))


def _hashes(n: int) -> list[str]:
    rng = np.random.default_rng(20261203)
    return [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(n)]


def _wait(check: Callable[[], bool], limit_s: float = 240.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_worker_killed_mid_bank_additions_hunts_every_item_once(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    hashes = _hashes(JOBS)
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
        for i, h in enumerate(hashes):  # remembered uploads, one per hash to be banked
            rt.scanner.lookup(ScanMeta(content_id=f"seen-{i}", surface="post"), Query(pdq=h))
        for i, h in enumerate(hashes):
            rt.outbox.enqueue(
                kind="add_to_bank",
                payload={
                    "bank": "victims",
                    "entries": [{"signal_type": "pdq", "value": h}],
                    "source": "kill-test",
                    "case_id": None,
                },
                idempotency_key=f"bank-{i}",
            )
    finally:
        rt.close()

    env = {
        **os.environ,
        "SHIELDWALL_DATA_DIR": str(data_dir),
        "SHIELDWALL_DATABASE_URL": database_url,
        "SHIELDWALL_OUTBOX_LEASE_S": "1",
        "SHIELDWALL_OUTBOX_BACKOFF_S": "0.1",
        "SHIELDWALL_WORKER_POLL_S": "0.2",
    }
    env.pop("SHIELDWALL_REDIS_URL", None)
    log = (tmp_path / "worker.log").open("w")
    rt = Runtime.open(settings, migrate=False)

    def delivered() -> int:
        return rt.outbox.counts().get("delivered", 0)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "worker", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(start())
        _wait(lambda: delivered() >= 5)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=20)
        at_kill = delivered()
        assert at_kill < JOBS, "the worker finished before it could be killed"
        procs.append(start())
        _wait(lambda: delivered() == JOBS)
        procs[1].send_signal(signal.SIGTERM)
        procs[1].wait(timeout=30)

        assert rt.outbox.counts().get("dead", 0) == 0
        assert rt.banks.get_bank(name="victims").active_entries == JOBS
        for i in range(JOBS):
            item = rt.items.get_item(f"seen-{i}")
            hunts = [d for d in rt.items.decisions_for_item(item.id) if d.source == "retro_hunt"]
            assert len(hunts) == 1, f"seen-{i} has {len(hunts)} retro-hunt decisions"
            assert hunts[0].verdict == "remove"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log.close()
        rt.close()
    verified = subprocess.run(
        [EXE, "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
