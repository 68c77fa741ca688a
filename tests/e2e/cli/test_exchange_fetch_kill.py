"""``shieldwall exchange fetch`` killed half-way (kill -9) resumes from its checkpoint: the
next fetch, once the dead fetcher's lease has expired, starts at the last page it stored,
and every hash of the exchange ends up in the bank exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from tests.e2e.cli.test_cli_e2e import EXE
from tests.integration.exchange.fake_stopncii import API_KEY, FakeStopNCII

N = 30


@pytest.fixture
def server() -> Iterator[FakeStopNCII]:
    fake = FakeStopNCII(delay_s=0.3)
    for i in range(N):
        fake.put(f"{i + 1:064x}")
    yield fake
    fake.stop()


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SHIELDWALL_DATA_DIR": str(data_dir),
        "SHIELDWALL_EXCHANGE_CREDENTIALS": json.dumps({"sncii": {"api_key": API_KEY}}),
        "SHIELDWALL_EXCHANGE_LEASE_S": "2",
    }
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return env


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], env=_env(data_dir), capture_output=True, text=True, timeout=180
    )


def test_a_killed_fetch_resumes_at_its_checkpoint_and_applies_every_hash_once(
    tmp_path: Path, server: FakeStopNCII
) -> None:
    data_dir = tmp_path / "state"
    url = server.start()
    assert _cli(data_dir, "bank", "create", "stopncii", "--purpose", "victim").returncode == 0
    config = json.dumps({"base_url": url, "page_size": 2})
    added = _cli(
        data_dir,
        "exchange",
        "add",
        "sncii",
        "--kind",
        "stopncii",
        "--bank",
        "stopncii",
        "--config",
        config,
        "--trust",
        "auto",
    )
    assert added.returncode == 0, added.stderr

    fetcher = subprocess.Popen(
        [EXE, "exchange", "fetch", "sncii"],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(server.starts) < 6 and time.monotonic() < deadline:
        assert fetcher.poll() is None, "the fetch ended before it could be killed"
        time.sleep(0.05)
    fetcher.send_signal(signal.SIGKILL)
    fetcher.wait()

    rt = Runtime.open(load_settings(data_dir=data_dir), migrate=False)
    try:
        info = rt.exchanges.get("sncii")
        saved, lease_until = info.checkpoint, info.lease_until
        half = rt.banks.get_bank(name="stopncii").active_entries
    finally:
        rt.close()
    assert saved is not None and 0 < half < N  # killed half-way, with pages stored

    # The dead fetcher still holds its lease (2 s here, renewed with every page it stored):
    # nobody fetches until it expires (tests/integration/exchange proves a busy exchange is
    # refused), then the next fetcher takes over.
    assert lease_until is not None
    time.sleep(max(0.0, (lease_until - datetime.now(UTC)).total_seconds()) + 0.2)
    before = len(server.starts)
    done = _cli(data_dir, "exchange", "fetch", "sncii", "--json")
    assert done.returncode == 0, done.stderr
    assert server.starts[before] == int(saved)  # resumed at the stored page, not from 0

    rt = Runtime.open(load_settings(data_dir=data_dir), migrate=False)
    try:
        assert rt.banks.get_bank(name="stopncii").active_entries == N
        assert rt.exchanges.get("sncii").lease_owner is None
    finally:
        rt.close()
