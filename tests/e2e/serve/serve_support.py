"""What the kill tests of ``shieldwall serve`` share: a site with one victim bank and a
lookup key (on the ``database_url`` fixture's SQLite file or PostgreSQL schema), the
environment of a process on it, and a real ``serve`` subprocess that is ready.

``test_serve_kill.py`` kills one server once; ``test_serve_kill_rounds.py`` kills and
restarts it again and again. Both build the same site and start the server the same way,
so that what differs between them is only how they kill it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from shieldwall.config import Settings, load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance

EXE = str(Path(sys.executable).parent / "shieldwall")


def seed_site(database: str, data_dir: Path, banked: str) -> tuple[Settings, str]:
    """Migrate, bank ``banked`` in a victim bank and make a lookup key; (settings, key)."""
    settings = load_settings(data_dir=data_dir, database_url=database)
    rt = Runtime.open(settings, migrate=True)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
        rt.banks.add_entries(
            bank="victims", entries=[NewEntry(HashKind.PDQ, banked, Provenance(source="test"))]
        )
        key, _ = rt.keys.create_api_key(name="kill", scopes=["lookup"], rate_limit_per_minute=10**6)
    finally:
        rt.close()
    return settings, key


def site_env(database: str, data_dir: Path) -> dict[str, str]:
    """The environment of a ``shieldwall`` process (``serve``, a CLI command) on that site,
    with no Redis (everything in-process)."""
    env = {
        **os.environ,
        "SHIELDWALL_DATA_DIR": str(data_dir),
        "SHIELDWALL_DATABASE_URL": database,
    }
    env.pop("SHIELDWALL_REDIS_URL", None)
    return env


def start_serve(
    port: int, env: dict[str, str], log: IO[str], *, workers: int = 1, extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """``shieldwall serve`` with ``workers`` processes (one by default, so SIGKILL takes all
    of it) and ``extra`` options, output to ``log``."""
    command = [EXE, "serve", "--port", str(port), "--workers", str(workers), *extra]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(
    proc: subprocess.Popen[bytes], base: str, log: Path, *, timeout: float = 180
) -> None:
    """Until ``/readyz`` answers 200; fails with the server's log if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
