"""kill -9 fault suite: real processes killed mid-work, then started again, on SQLite and
PostgreSQL.

After each restart: nothing acknowledged is lost, nothing is decided twice for the same
``content_id``, owed webhooks arrive at least once with the same idempotency key, and
``shieldwall audit verify`` passes. (The server killed with lookups in flight is
``tests/e2e/serve/test_serve_kill.py``; the worker killed mid-webhook-delivery is
``tests/e2e/worker/test_worker_kill.py``; these cover the rest.)
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.conftest import postgres_schema

CLI = str(Path(sys.executable).parent / "shieldwall")
LINES = 30_000
"""Six of the CLI's 5,000-entry chunks: a kill after the first lands with work left."""
PLANTED = 60
"""Items seen before the import whose PDQ is one of its lines, spread over every chunk."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shieldwall.db'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


def _env(database: str, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir), "SHIELDWALL_DATABASE_URL": database}
    env.pop("SHIELDWALL_REDIS_URL", None)
    return env


def _audit_verifies(database: str, data_dir: Path) -> None:
    done = subprocess.run(
        [CLI, "audit", "verify", "--json"],
        env=_env(database, data_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _count(database: str, sql: str) -> int:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_bank_import_killed_half_way_loses_no_entry_and_no_hunt(
    database: str, tmp_path: Path
) -> None:
    """SIGKILL ``shieldwall bank import`` after its first chunks committed, run it again:
    every line is in the bank once, every item seen before that matches a line has exactly
    one retro-hunt decision (none lost between a chunk's commit and its hunt, none twice),
    and the audit chain verifies."""
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir, database_url=database)
    values = [secrets.token_hex(32) for _ in range(LINES)]
    planted = values[:: LINES // PLANTED][:PLANTED]
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.store.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
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
    env = _env(database, data_dir)

    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    stored = 0
    try:
        while stored == 0:
            assert first.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "no chunk committed in time"
            time.sleep(0.02)
            stored = _count(database, "SELECT count(*) FROM bank_entries")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert 0 < stored < LINES

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _count(database, "SELECT count(*) FROM bank_entries") == LINES
    assert _count(database, "SELECT count(DISTINCT value) FROM bank_entries") == LINES
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
    _audit_verifies(database, data_dir)
